"""The buttons under a result: re-roll, and animate (under images).

They are dynamic items: discord.py routes any click whose custom id matches the template,
whichever process posted the message, so the buttons keep working after a restart without
remembering a view per message. The job id in the custom id is all a click needs.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot.catalog import Command
from bot.i18n import T, render
from bot.jobs.model import Job

__all__ = ["RerollButton", "AnimateButton", "result_view", "ButtonActions"]

_JOB = r"(?P<job>[A-Za-z0-9_-]{1,64})"


class ButtonActions(Protocol):
    async def reroll(self, interaction: discord.Interaction, job_id: str) -> None: ...

    async def animate_result(self, interaction: discord.Interaction, job_id: str) -> None: ...


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


def result_view(job: Job, *, attached: bool) -> discord.ui.View:
    """Buttons for a result message, labelled in its member's language; "animate" needs the
    image attached to the message. (A click is routed by its custom id, not by the label.)"""
    view = discord.ui.View(timeout=None)
    view.add_item(RerollButton(job.id, job.requester.language))
    if job.command is Command.IMAGE and attached:
        view.add_item(AnimateButton(job.id, job.requester.language))
    return view
