"""Where a job's answers go on Discord, in a form that survives a restart.

A job outlives the interaction that started it, so everything needed to answer is copied
out of the live event: the interaction token (which accepts edits and follow-ups for 15
minutes), when it expires on the adapter's clock, and the channel and member to fall back
to once it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.domain.requests import Destination

__all__ = ["Target", "TOKEN_LIFETIME", "TOKEN_MARGIN"]

TOKEN_LIFETIME = 15 * 60
# Stop using a token a little early: an upload that starts at 14:59 would fail halfway.
TOKEN_MARGIN = 30.0


@dataclass(frozen=True)
class Target:
    application_id: int
    token: str
    expires_at: float
    channel_id: int
    guild_id: int | None
    user_id: int
    upload_limit: int  # bytes, as Discord reported it for this interaction
    # the bot's Read Message History in that channel, as the interaction reported: without it
    # Discord answers an empty history, which must not read as "the result is not there"
    reads_history: bool = True

    @classmethod
    def from_interaction(cls, interaction: discord.Interaction, clock: Callable[[], float]) -> Target:
        channel_id = interaction.channel_id
        if channel_id is None:  # Discord always sends the channel; a payload without one is broken
            raise ValueError(f"interaction {interaction.id} has no channel")
        return cls(
            application_id=interaction.application_id,
            token=interaction.token,
            expires_at=clock() + TOKEN_LIFETIME,
            channel_id=channel_id,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            upload_limit=interaction.filesize_limit,
            reads_history=interaction.app_permissions.read_message_history,
        )

    @classmethod
    def load(cls, destination: Mapping[str, Any]) -> Target:
        guild = destination.get("guild_id")
        return cls(
            application_id=int(destination["application_id"]),
            token=str(destination["token"]),
            expires_at=float(destination["expires_at"]),
            channel_id=int(destination["channel_id"]),
            guild_id=int(guild) if guild else None,
            user_id=int(destination["user_id"]),
            upload_limit=int(destination["upload_limit"]),
            reads_history=bool(destination.get("reads_history", True)),  # jobs stored before it was kept
        )

    def dump(self) -> Destination:
        # ids as strings: they are 64-bit and JSON readers elsewhere may hold them as doubles
        return {
            "application_id": str(self.application_id),
            "token": self.token,
            "expires_at": self.expires_at,
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id) if self.guild_id else None,
            "user_id": str(self.user_id),
            "upload_limit": self.upload_limit,
            "reads_history": self.reads_history,
        }

    def token_alive(self, now: float) -> bool:
        return now < self.expires_at - TOKEN_MARGIN
