"""The discord.py client: least-privilege intents, no pings by default, one error hook."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from adapters.discord.actions import APOLOGY, SORRY, Actions, language_of_interaction
from adapters.discord.buttons import AnimateButton, RerollButton
from adapters.discord.render import NO_PINGS, problem_embed
from adapters.discord.translate import ReelbotTranslator
from bot.i18n import T

__all__ = ["ReelbotClient", "INTENTS"]

log = logging.getLogger(__name__)

# Slash commands, buttons and context menus arrive whatever the intents; GUILDS keeps the
# guild cache that tells each server's upload limit. Nothing privileged is needed.
INTENTS = discord.Intents(guilds=True)

STALE_COMMAND = T("This command has changed since your Discord app loaded it. Reload Discord "
                  "(Ctrl+R, or restart the app) and try again.")


class ReelbotClient(discord.Client):
    def __init__(self, actions: Actions, *, guild_ready_timeout: float = 2.0):
        # reelbot has no voice features; discord.py's warnings about voice libraries would
        # only make operators think something is missing
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=INTENTS, allowed_mentions=NO_PINGS, guild_ready_timeout=guild_ready_timeout,
                         max_messages=None, chunk_guilds_at_startup=False)
        self.actions = actions  # the buttons find their handlers here
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_app_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RerollButton, AnimateButton)
        # before the commands are synced (after login): their localizations come from it
        await self.tree.set_translator(ReelbotTranslator())

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
