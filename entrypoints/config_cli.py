"""`reelbot config [--check]`: the settings in effect, where each comes from, secrets masked;
and the names with reelbot's prefixes that no layer reads (typos), refused by every command."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from adapters.discord.config import DiscordConfig, DiscordEnv
from adapters.telegram.config import TelegramConfig, TelegramEnv
from bot.config import CoreEnv, Settings, env_sources
from bot.settings_schema import SettingsError, described, unknown_names
from entrypoints import exits

__all__ = ["LAYERS", "add_parser", "refuse_unknown", "config_command"]

# every layer's schema, in the order `reelbot config` prints them
LAYERS = (CoreEnv, TelegramEnv, DiscordEnv)


def add_parser(sub, where) -> None:
    config = sub.add_parser("config", parents=[where], help="print the settings in effect and where each comes from "
                            "(secrets masked)")
    config.add_argument("--check", action="store_true",
                        help="print nothing but problems; exit 2 if there is any")


def refuse_unknown(env: Mapping[str, str]) -> None:
    """exits.Failure (exit 2) when a name with a reelbot prefix is no setting: a typo'd setting
    would otherwise leave its default silently in effect."""
    problems = unknown_names(env, [name for layer in LAYERS for name in layer.names()])
    if problems:
        raise exits.Failure(exits.CONFIG, "; ".join(problems))


def problems(env: Mapping[str, str], settings: Settings) -> list[str]:
    """What would stop `reelbot run`, layer by layer (the core's was found before we got here)."""
    found = []
    for read in (lambda: TelegramConfig.from_env(env), lambda: DiscordConfig.from_env(env, settings.data_dir)):
        try:
            read()
        except SettingsError as err:
            found.append(str(err))
    return found


async def config_command(args, settings: Settings, env) -> int:
    found = problems(env, settings)
    if args.check:
        if found:
            raise exits.Failure(exits.CONFIG, "; ".join(found))
        print("reelbot: the settings are valid")
        return exits.OK
    sources = env_sources(args.env_file if Path(args.env_file).is_file() else None)
    for flag, name in (("data_dir", "REELBOT_DATA_DIR"), ("database_url", "REELBOT_DATABASE_URL")):
        if getattr(args, flag, None):
            sources[name] = f"--{flag.replace('_', '-')}"
    for line in described(LAYERS, env, sources):
        print(line)
    if found:
        raise exits.Failure(exits.CONFIG, "; ".join(found))
    return exits.OK
