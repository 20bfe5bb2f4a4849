"""`/settings …` on Discord: what a server's own admins set for their server (bot.chats.desk).

Who may is decided here, from the permissions Discord sends with the interaction for the
member who ran it (Manage Server), and again in the core for the server the interaction came
from; the command's default visibility (Manage Server too) only tidies members' menus, since
a server's owner can show it to anyone. Answers are private (ephemeral). Every change is keyed
on the interaction, so one handled twice changes nothing twice.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.actions import Actions
from adapters.discord.translate import localized as L
from bot.chats.desk import ChatActor
from bot.core import Core
from bot.domain.requests import Requester
from bot.i18n import T

__all__ = ["install_settings", "manages_server"]

Credits = app_commands.Range[int, 0, 1_000_000]


def manages_server(interaction: discord.Interaction) -> bool:
    """Manage Server, as Discord resolved it for this member in this server (not the menu)."""
    permissions = interaction.permissions
    return interaction.guild_id is not None and (permissions.manage_guild or permissions.administrator)


def install_settings(tree: app_commands.CommandTree, core: Core, actions: Actions) -> None:
    group = app_commands.Group(name=L(T("settings")), description=L(T("This server's own settings (its admins)")),
                               default_permissions=discord.Permissions(manage_guild=True), guild_only=True)
    desk = core.chat_desk

    def run(interaction: discord.Interaction, act):
        def actor(who: Requester) -> ChatActor:
            return ChatActor(who, chat_admin=manages_server(interaction))
        return actions.settings(interaction, lambda who: act(actor(who), f"discord:interaction:{interaction.id}"))

    @group.command(name="show", description=L(T("This server's settings, the operator's bounds and its usage")))
    async def show(interaction: discord.Interaction) -> None:
        await run(interaction, lambda me, key: desk.view(me))

    @group.command(name="budget", description=L(T("Credits a day for the whole server (none: the operator's)")))
    @app_commands.describe(credits=L(T("Credits a day; leave out for the operator's")))
    async def budget(interaction: discord.Interaction, credits: Credits | None = None) -> None:
        await run(interaction, lambda me, key: desk.budget(me, credits, key=key))

    @group.command(name="member", description=L(T("Credits a day for each member here (none: the operator's)")))
    @app_commands.describe(credits=L(T("Credits a day; leave out for the operator's")))
    async def member(interaction: discord.Interaction, credits: Credits | None = None) -> None:
        await run(interaction, lambda me, key: desk.member_limit(me, credits, key=key))

    @group.command(name="commands", description=L(T("Which commands are on here")))
    @app_commands.describe(commands=L(T("e.g. image, or video,animate; all for every command")))
    async def commands(interaction: discord.Interaction, commands: str) -> None:
        await run(interaction, lambda me, key: desk.commands(me, _listed(commands), key=key))

    @group.command(name="models", description=L(T("Which models are allowed here (names or patterns)")))
    @app_commands.describe(models=L(T("e.g. minimaxi-*,flux-*; all for every model")))
    async def models(interaction: discord.Interaction, models: str) -> None:
        await run(interaction, lambda me, key: desk.models(me, _listed(models), key=key))

    @group.command(name="words", description=L(T("This server's own blocked words")))
    @app_commands.describe(action=L(T("list, add or remove")), words=L(T("Words or phrases, separated by commas")))
    async def words(interaction: discord.Interaction, action: Literal["list", "add", "remove"] = "list",
                    words: str | None = None) -> None:
        await run(interaction, lambda me, key: desk.words(me, action, (words or "").split(","), key=key))

    @group.command(name="progress", description=L(T("Whether progress messages are shown here")))
    async def progress(interaction: discord.Interaction, shown: bool) -> None:
        await run(interaction, lambda me, key: desk.progress(me, shown, key=key))

    @group.command(name="usage", description=L(T("Credits used here today and in the last 7 days")))
    async def usage(interaction: discord.Interaction) -> None:
        await run(interaction, lambda me, key: desk.usage(me))

    tree.add_command(group)


def _listed(text: str) -> list[str]:
    return [part for part in text.replace(" ", ",").split(",") if part]
