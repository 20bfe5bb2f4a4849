"""The discord.py client: least-privilege intents, no pings by default, one error hook."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from adapters.discord.actions import APOLOGY, SORRY, Actions, language_of_interaction
from adapters.discord.buttons import AnimateButton, CancelButton, EditButton, FetchButton, RerollButton
from adapters.discord.models_pages import ModelsPageButton
from adapters.discord.edit import edited_job, submitted_prompt
from adapters.discord.render import NO_PINGS, problem_embed
from adapters.discord.translate import ReelbotTranslator
from bot.i18n import T

__all__ = ["ReelbotClient", "ShardedReelbotClient", "make_client", "INTENTS"]

log = logging.getLogger(__name__)

# Slash commands, buttons and context menus arrive whatever the intents; GUILDS keeps the
# guild cache that tells each server's upload limit. Nothing privileged is needed.
INTENTS = discord.Intents(guilds=True)

STALE_COMMAND = T("This command has changed since your Discord app loaded it. Reload Discord "
                  "(Ctrl+R, or restart the app) and try again.")


def make_client(actions: Actions, *, guild_ready_timeout: float = 2.0, shard_count: int | None = None,
                shard_ids: tuple[int, ...] | None = None) -> ReelbotClient | ShardedReelbotClient:
    """One gateway session, or (with a shard count) the shards this process runs."""
    if shard_count is None:
        return ReelbotClient(actions, guild_ready_timeout=guild_ready_timeout)
    return ShardedReelbotClient(actions, guild_ready_timeout=guild_ready_timeout, shard_count=shard_count,
                                shard_ids=list(shard_ids) if shard_ids is not None else None)


class _Reelbot:
    """What reelbot adds to discord.py's client, sharded or not."""

    def __init__(self, actions: Actions, *, guild_ready_timeout: float = 2.0, **sharding: object):
        # reelbot has no voice features; discord.py's warnings about voice libraries would
        # only make operators think something is missing
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=INTENTS, allowed_mentions=NO_PINGS,  # type: ignore[call-arg]
                         guild_ready_timeout=guild_ready_timeout, max_messages=None,
                         chunk_guilds_at_startup=False, **sharding)
        self.actions = actions  # the buttons find their handlers here
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_app_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RerollButton, AnimateButton, EditButton, CancelButton,  # type: ignore[attr-defined]
                               FetchButton, ModelsPageButton)
        # before the commands are synced (after login): their localizations come from it
        await self.tree.set_translator(ReelbotTranslator())

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted Edit modal (the buttons and commands are routed by discord.py itself)."""
        job_id = edited_job(interaction)
        if job_id is not None:
            await self.actions.edit(interaction, job_id, submitted_prompt(interaction.data or {}))

    async def _on_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        """Errors the actions did not answer themselves (they answer all they can)."""
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            log.warning("discord: stale command from user %s: %s", interaction.user.id, error)
            text = STALE_COMMAND
        else:
            log.error("discord: command failed for user %s", interaction.user.id, exc_info=error)
            text = APOLOGY
        embed = problem_embed(text, language_of_interaction(interaction), title=SORRY)
        try:
            if interaction.response.is_done():
                await interaction.edit_original_response(embed=embed)
            else:
                await interaction.response.send_message(embed=embed, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("discord: could not report an error to user %s: %s", interaction.user.id, exc)


class ReelbotClient(_Reelbot, discord.Client):
    """One gateway session for every server (a bot below Discord's sharding threshold)."""


class ShardedReelbotClient(_Reelbot, discord.AutoShardedClient):
    """The shards of DISCORD_SHARD_IDS, each its own gateway session; REST calls are shared."""
