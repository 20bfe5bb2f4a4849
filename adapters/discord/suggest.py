"""Autocomplete: what Discord offers while a member types an option."""

from __future__ import annotations

from discord import app_commands

from bot.catalog import CAMERA_MOVES, MAX_CAMERA_MOVES, Catalog
from bot.domain.requests import Command
from bot.errors import ValidationError
from bot.i18n import T, Text

__all__ = ["model_choices", "ratio_choices", "camera_choices", "MAX_CHOICES"]

MAX_CHOICES = 25  # Discord shows at most 25 suggestions
_NAME_LIMIT = 100


def _clip(name: str) -> str:
    return name if len(name) <= _NAME_LIMIT else name[:99] + "…"


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=_clip(name), value=value)


def model_choices(catalog: Catalog, command: Command, current: str) -> list[app_commands.Choice[str]]:
    """Each model with its description, which the translator gives in the member's language
    (a description not in the catalogs, such as a brand name, stays as it is)."""
    choices = []
    for m in catalog.search(command, current, limit=MAX_CHOICES):
        text = T("{model} — {description}", model=m.name, description=Text(m.description))
        choices.append(app_commands.Choice(name=app_commands.locale_str(_clip(str(text)), text=text), value=m.name))
    return choices


def ratio_choices(catalog: Catalog, model_name: str | None, current: str) -> list[app_commands.Choice[str]]:
    """The aspect ratios of the model chosen so far (or the default image model)."""
    try:
        model = catalog.resolve(Command.IMAGE, model_name)
    except ValidationError:  # a half-typed model name: offer the default model's ratios
        model = catalog.default(Command.IMAGE)
    needle = current.strip()
    ratios = [r for r in model.options.get("aspect_ratio", ()) if needle in r]
    return [_choice(r, r) for r in ratios[:MAX_CHOICES]]


def camera_choices(current: str) -> list[app_commands.Choice[str]]:
    """Completes the last of up to three comma-separated camera moves."""
    parts = [p.strip() for p in current.split(",")]
    chosen, typing = [p for p in parts[:-1] if p], parts[-1].lower()
    if len(chosen) >= MAX_CAMERA_MOVES:
        text = ", ".join(chosen[:MAX_CAMERA_MOVES])
        return [_choice(text, text)]
    prefix = ", ".join(chosen) + ", " if chosen else ""
    moves = [m for m in CAMERA_MOVES if typing in m.lower() and m not in chosen]
    return [_choice(prefix + m, prefix + m) for m in moves[:MAX_CHOICES]]
