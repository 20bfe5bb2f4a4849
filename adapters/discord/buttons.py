"""The buttons under a result: re-roll, edit (the prompt, in a modal), and animate (under images).

They are dynamic items: discord.py routes any click whose custom id matches the template,
whichever process posted the message, so the buttons keep working after a restart without
remembering a view per message. The job id in the custom id is all a click needs.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot.domain.requests import Command
from bot.i18n import T, render
from bot.domain.job import Job

__all__ = ["RerollButton", "EditButton", "AnimateButton", "CancelButton", "FetchButton", "result_view",
           "status_view", "fetch_view", "ButtonActions"]

_JOB = r"(?P<job>[A-Za-z0-9_-]{1,64})"


class ButtonActions(Protocol):
    async def reroll(self, interaction: discord.Interaction, job_id: str) -> None: ...

    async def animate_result(self, interaction: discord.Interaction, job_id: str) -> None: ...

    async def cancel(self, interaction: discord.Interaction, job_id: str) -> None: ...

    async def fetch(self, interaction: discord.Interaction, job_id: str) -> None: ...

    async def open_edit(self, interaction: discord.Interaction, job_id: str) -> None: ...


def _actions(interaction: discord.Interaction) -> ButtonActions:
    return interaction.client.actions  # type: ignore[attr-defined]  # set by ReelbotClient


class RerollButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"reelbot:reroll:{_JOB}"):
    def __init__(self, job_id: str, language: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=render(T("Re-roll"), language), emoji="🎲",
                                           style=discord.ButtonStyle.secondary, custom_id=f"reelbot:reroll:{job_id}"))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> RerollButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).reroll(interaction, self.job_id)


class EditButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"reelbot:edit:{_JOB}"):
    def __init__(self, job_id: str, language: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=render(T("Edit"), language), emoji="✏️", style=discord.ButtonStyle.secondary,
                                           custom_id=f"reelbot:edit:{job_id}"))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> EditButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).open_edit(interaction, self.job_id)


class AnimateButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"reelbot:animate:{_JOB}"):
    def __init__(self, job_id: str, language: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=render(T("Animate"), language), emoji="🎬",
                                           style=discord.ButtonStyle.primary, custom_id=f"reelbot:animate:{job_id}"))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> AnimateButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).animate_result(interaction, self.job_id)


class CancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"reelbot:cancel:{_JOB}"):
    """On a job's status message while it waits for 302.AI; the core decides whether it still may."""

    def __init__(self, job_id: str, language: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=render(T("Cancel"), language), emoji="✖️", style=discord.ButtonStyle.danger,
                                           custom_id=f"reelbot:cancel:{job_id}"))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> CancelButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).cancel(interaction, self.job_id)


class FetchButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"reelbot:fetch:{_JOB}"):
    """Under /jobs: that delivered result again, numbered as in the list."""

    def __init__(self, job_id: str, number: int = 0) -> None:
        super().__init__(discord.ui.Button(label=str(number or "…"), emoji="📥",
                                           style=discord.ButtonStyle.secondary, custom_id=f"reelbot:fetch:{job_id}"))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> FetchButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).fetch(interaction, self.job_id)


def status_view(job: Job) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CancelButton(job.id, job.requester.language))
    return view


def fetch_view(numbered: list[tuple[int, Job]]) -> discord.ui.View | None:
    """Buttons for the results that can still be fetched (at most 10: two rows of five)."""
    if not numbered:
        return None
    view = discord.ui.View(timeout=None)
    for number, job in numbered[:10]:
        view.add_item(FetchButton(job.id, number))
    return view


def result_view(job: Job, *, attached: bool) -> discord.ui.View:
    """Buttons for a result message, labelled in its member's language; "animate" needs the
    image attached to the message. (A click is routed by its custom id, not by the label.)"""
    view = discord.ui.View(timeout=None)
    view.add_item(RerollButton(job.id, job.requester.language))
    if job.command is Command.IMAGE and attached:
        view.add_item(AnimateButton(job.id, job.requester.language))
    view.add_item(EditButton(job.id, job.requester.language))  # last, so the first two keep their places
    return view
