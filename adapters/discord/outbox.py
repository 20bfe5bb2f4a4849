"""Posting to a stored Target: through its interaction token while it lives, else the channel."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.destination import Target

__all__ = ["Outbox"]


class Outbox:
    def __init__(self, client: discord.Client):
        self._client = client

    def _webhook(self, target: Target) -> discord.Webhook:
        # The webhook discord.py builds for Interaction.followup, rebuilt from stored ids:
        # after a restart there is no Interaction object, only the token. Sharing the client's
        # state keeps its allowed_mentions default and lets messages carry buttons.
        data = {"id": target.application_id, "type": 3, "token": target.token}
        return discord.Webhook.from_state(data, state=self._client._connection)  # type: ignore[arg-type]

    async def edit_original(self, target: Target, **fields: Any) -> None:
        """Edit the interaction's own response (the status message)."""
        # "@original" is Discord's name for that message; discord.py passes it through verbatim
        await self._webhook(target).edit_message("@original", **fields)  # type: ignore[arg-type]

    async def follow_up(self, target: Target, **fields: Any) -> discord.WebhookMessage:
        return await self._webhook(target).send(wait=True, **fields)

    async def post(self, target: Target, **fields: Any) -> discord.Message:
        """A plain message in the channel, which needs no token (and the bot's own permissions)."""
        channel = self._client.get_partial_messageable(target.channel_id, guild_id=target.guild_id)
        return await channel.send(**fields)

    def channel_upload_limit(self, target: Target) -> int:
        guild = self._client.get_guild(target.guild_id) if target.guild_id else None
        return guild.filesize_limit if guild is not None else discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
