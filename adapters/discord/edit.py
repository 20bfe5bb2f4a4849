"""The "Edit" modal: the result's prompt, prefilled, to change and run again.

A submitted modal is handled from its custom id alone (`reelbot:edited:<job id>`), by the
client's interaction listener, like the buttons: so it still works after a restart, and
when several members edit the same result at once. The Modal object discord.py keeps for
the opening is only the form; it does nothing on submit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import discord

from bot.domain.requests import Command
from bot.i18n import T
from bot.domain.job import Job
from bot.validation import MAX_PROMPT_CHARS

__all__ = ["prompt_modal", "edited_job", "submitted_prompt", "PROMPT_FIELD"]

PROMPT_FIELD = "prompt"
_EDITED = re.compile(r"reelbot:edited:(?P<job>[A-Za-z0-9_-]{1,64})")
_TITLE_LIMIT, _DEFAULT_LIMIT = 45, 4000  # Discord's limits for a modal title and a text input
# A member who opens the form and walks away: discord.py forgets the form after this.
_FORM_SECONDS = 15 * 60


def prompt_modal(job: Job, language: str | None = None) -> discord.ui.Modal:
    """The form, in `language` (the clicking member's Discord locale)."""
    modal = discord.ui.Modal(title=T("Edit the prompt").render(language)[:_TITLE_LIMIT], timeout=_FORM_SECONDS,
                             custom_id=f"reelbot:edited:{job.id}")
    # /animate's prompt is optional; every other command needs one (the core says so if empty)
    optional = job.command is Command.ANIMATE
    modal.add_item(discord.ui.TextInput(
        label=T("Prompt").render(language)[:_TITLE_LIMIT], custom_id=PROMPT_FIELD, style=discord.TextStyle.paragraph,
        default=job.prompt[:min(MAX_PROMPT_CHARS, _DEFAULT_LIMIT)] or None, required=not optional,
        min_length=0 if optional else 1, max_length=MAX_PROMPT_CHARS))
    return modal


def edited_job(interaction: discord.Interaction) -> str | None:
    """The job id of a submitted Edit modal, or None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return None
    match = _EDITED.fullmatch(str(interaction.data.get("custom_id", "")))
    return match["job"] if match else None


def submitted_prompt(data: Mapping[str, Any]) -> str:
    """The prompt field's value in a modal submission (in an action row or in a label)."""
    for component in _walk(data.get("components") or []):
        if component.get("custom_id") == PROMPT_FIELD:
            return str(component.get("value") or "")
    return ""


def _walk(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for component in components:
        yield component
        yield from _walk(component.get("components") or [])
        if isinstance(component.get("component"), Mapping):
            yield from _walk([component["component"]])
