"""Posting to a stored Target: through its interaction token while it lives, else the channel."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import discord

from adapters.discord.destination import Target
from adapters.discord.once import no_retry

__all__ = ["Outbox"]


class Outbox:
    def __init__(self, client: discord.Client, *, remember: int = 4096):
        self._client = client
        # channels where this process's public posts arrived (most recent last, bounded): there,
        # an empty history means "the bot may not read it", not "nothing was posted"
        self._posted_in: OrderedDict[int, None] = OrderedDict()
        self._remember = remember

    def _posted(self, channel_id: int) -> None:
        self._posted_in[channel_id] = None
        self._posted_in.move_to_end(channel_id)
        while len(self._posted_in) > self._remember:
            self._posted_in.popitem(last=False)

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
        """A new message through the token. Not retried on a 5xx (PostUncertain instead): the
        message may exist, and only a look in the channel can tell (find_result)."""
        with no_retry():
            message = await self._webhook(target).send(wait=True, **fields)
        if not fields.get("ephemeral"):
            self._posted(target.channel_id)
        return message

    async def post(self, target: Target, **fields: Any) -> discord.Message:
        """A plain message in the channel, which needs no token (and the bot's own permissions)."""
        channel = self._client.get_partial_messageable(target.channel_id, guild_id=target.guild_id)
        message = await channel.send(**fields)
        self._posted(target.channel_id)
        return message

    async def find_result(self, target: Target, job_id: str, *, limit: int = 50) -> bool | None:
        """Whether the bot's result for `job_id` is among the channel's recent messages (its
        file is named after the job, and its buttons carry the job id); None when the history
        cannot tell: an empty answer where the bot has posted (Discord answers an empty list,
        not an error, to a bot without Read Message History). Raises discord.HTTPException when
        the history is refused (403, 404)."""
        channel = self._client.get_partial_messageable(target.channel_id, guild_id=target.guild_id)
        me = self._client.user.id if self._client.user else None
        seen = 0
        async for message in channel.history(limit=limit):
            seen += 1
            if message.author.id != me:
                continue
            if any(job_id in attachment.filename for attachment in message.attachments):
                return True
            if any(job_id in (getattr(item, "custom_id", None) or "")
                   for row in message.components for item in getattr(row, "children", ())):
                return True
        if not seen and (not target.reads_history or target.channel_id in self._posted_in):
            return None
        return False

    async def direct(self, user_id: int, **fields: Any) -> discord.Message:
        """A direct message to a user (opens the DM channel first)."""
        channel = await self._client.create_dm(discord.Object(id=user_id))
        return await channel.send(**fields)

    def channel_upload_limit(self, target: Target) -> int:
        guild = self._client.get_guild(target.guild_id) if target.guild_id else None
        return guild.filesize_limit if guild is not None else discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
