"""What every layer's settings model shares: read from a mapping of environment names (the
process environment over a .env file, see bot.config.load_env), a validation error turned
into one sentence naming the setting, unknown names refused with the nearest known one, and
the settings in effect described for `reelbot config` with secrets masked.

Each layer (bot.config, adapters.telegram.config, adapters.discord.config) declares one model
whose fields carry their environment name as `validation_alias`, their type and bounds; the
layer's frozen dataclass, which the code reads, is built from it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SettingsError", "EnvModel", "SECRET", "PREFIXES", "unknown_names", "described"]

# the names reelbot owns: one of these with no field behind it is a typo, not someone else's
PREFIXES = ("REELBOT_", "TELEGRAM_", "DISCORD_", "AI302_")
# the test suite's own switches (tests/pg.py), read by the tests and never by the bot
_NOT_SETTINGS = ("REELBOT_TEST_",)
# json_schema_extra of a field whose value must never be printed
SECRET = {"secret": True}


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names it."""


class EnvModel(BaseSettings):
    """A layer's settings, validated from a mapping of environment names only: the mapping is
    already the environment over .env (bot.config.load_env), and `--data-dir`-style flags are
    written into it, so no other source may slip in under it."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=True, validate_default=False)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings,)

    @classmethod
    def names(cls) -> dict[str, FieldInfo]:
        """Environment name -> field, for every name this model reads (old aliases included)."""
        named = {}
        for info in cls.model_fields.values():
            alias = info.validation_alias
            for name in getattr(alias, "choices", None) or [alias]:
                named[str(name)] = info
        return named

    @classmethod
    def read(cls, env: Mapping[str, str]):
        """The model from `env`; an empty value means unset (as in .env.example)."""
        given = {name: env[name].strip() for name in cls.names() if (env.get(name) or "").strip()}
        try:
            return cls(**given)
        except ValidationError as err:
            raise SettingsError(_sentence(err, given, cls.names())) from None


def _sentence(err: ValidationError, given: Mapping[str, str], fields: Mapping[str, FieldInfo]) -> str:
    problem = err.errors(include_url=False)[0]
    message = problem["msg"].removeprefix("Value error, ")
    name = ".".join(str(part) for part in problem["loc"])
    if not name:  # a rule over several settings: its message names them
        return message
    if name in fields and _is_secret(fields[name]):  # a database URL carries its password
        return f"{name}: {message.replace(str(given.get(name)), '***')}"
    # our own rules read on from the value ("…='x' should be…"); pydantic's are sentences of their own
    joint = " " if problem["type"] == "value_error" else ": "
    return f"{name}={given.get(name, problem.get('input'))!r}{joint}{message}"


def unknown_names(env: Iterable[str], known: Iterable[str]) -> list[str]:
    """One sentence per name with a reelbot prefix that no model reads, naming the nearest known one."""
    known = sorted(set(known))
    problems = []
    for name in sorted(env):
        if not name.startswith(PREFIXES) or name.startswith(_NOT_SETTINGS) or name in known:
            continue
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]}?" if near else "see .env.example for the settings there are"
        problems.append(f"{name} is not a reelbot setting: {hint}")
    return problems


def described(models: Iterable[type[EnvModel]], env: Mapping[str, str], sources: Mapping[str, str]) -> list[str]:
    """`NAME=value  (source)` for every setting, secrets masked: what `reelbot config` prints.
    `sources` says where a name given in `env` came from; the others are defaults."""
    lines = []
    for model in models:
        for name, info in model.names().items():
            raw = (env.get(name) or "").strip()
            if raw:
                value, source = raw, sources.get(name, "environment")
            else:
                value, source = _default(info), "default"
            if _is_secret(info) and raw:
                value = "***"
            lines.append(f"{name}={value}  ({source})")
    return lines


def _default(info: FieldInfo) -> str:
    default = info.get_default(call_default_factory=True)
    return "" if default is None else str(default)


def _is_secret(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("secret"))


def secret_names(models: Iterable[type[EnvModel]]) -> list[str]:
    return [name for model in models for name, info in model.names().items() if _is_secret(info)]


def field_facts(info: FieldInfo) -> dict[str, Any]:
    """Type, bounds and default of a field, for the generated reference page."""
    bounds = []
    for rule in info.metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if getattr(rule, attr, None) is not None:
                bounds.append(f"{sign} {getattr(rule, attr)}")
    return {"type": _kind(info.annotation), "bounds": ", ".join(bounds),
            "default": _default(info), "secret": _is_secret(info)}


_KINDS = {int: "whole number", float: "number", bool: "true/false", str: "text", Path: "path"}


def _kind(annotation: Any) -> str:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is Literal:
        return "one of: " + ", ".join(map(str, args))
    if args and get_origin(annotation) is not Annotated:  # X | None
        return _kind(args[0])
    if get_origin(annotation) is Annotated:
        return _kind(args[0])
    return _KINDS.get(annotation, getattr(annotation, "__name__", str(annotation)))


__all__ += ["secret_names", "field_facts"]
