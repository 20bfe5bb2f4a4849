"""Models an operator switched off, and the one rule of who wins.

The operator's settings say which unified models may be offered at all (REELBOT_VIDEO_MODELS,
bot.catalog.unified.offered); within those, the console's Models page and `reelbot admin
model off|on NAME` switch any model off for new requests and on again. A switch is a row of
`models_off`, read with the policy snapshot (bot.store.policy) on every request, so every
process on the database refuses the model at once; a job already running finishes. /models
and Discord's completions leave it out from that process's next look at the rules. The
settings' denials still win: a model they deny cannot be switched on from the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.feed import shipped_entries
from bot.catalog.models import default_models
from bot.catalog.unified import HIDDEN, offered
from bot.errors import ValidationError
from bot.i18n import T
from bot.store.video_catalog import VideoCatalogStore

__all__ = ["SwitchableModel", "check_switched_on", "denied_by_settings", "switchable_models", "SETTING"]

SETTING = "REELBOT_VIDEO_MODELS"


@dataclass(frozen=True)
class SwitchableModel:
    name: str
    denied: bool  # the settings deny it: it is offered by no switch


def denied_by_settings(name: str, patterns: str) -> bool:
    """Whether REELBOT_VIDEO_MODELS keeps the unified model `name` off whatever the console
    says (its patterns pick among the unified models only, as read_models applies them)."""
    return not offered(name, patterns)


def check_switched_on(name: str, off: frozenset[str]) -> None:
    """The offer check a request meets before anything is reserved: a model switched off is
    refused with a sentence a member understands."""
    if name.lower() in off:
        raise ValidationError(T("{model} is switched off by the bot's operator for now. "
                                "Choose another one (see /models).", model=name))


async def switchable_models(db, patterns: str) -> list[SwitchableModel]:
    """Every model an operator may name: the compiled ones (MiniMax, the image models) and
    302.AI's unified list as some process last stored it (else the shipped snapshot), by name."""
    stored = await VideoCatalogStore(db).load()
    entries = stored[0] if stored else shipped_entries()
    found = {m.name.lower(): SwitchableModel(m.name, False) for m in default_models()}
    for entry in entries:
        name = entry.get("model_name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name and name not in HIDDEN and name.lower() not in found:
            found[name.lower()] = SwitchableModel(name, denied_by_settings(name, patterns))
    return sorted(found.values(), key=lambda m: m.name.lower())
