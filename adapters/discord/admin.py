"""`/admin …` on Discord: a command group hidden from members without Manage Server (its
default_member_permissions), and checked again in the core for every call, since a server's
own admins are not necessarily the bot's (DISCORD_ADMIN_IDS). Every change is keyed on the
interaction that asked for it, so one interaction handled twice changes nothing twice."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.actions import Actions
from bot.admin import PERIODS
from bot.core import Core

__all__ = ["install_admin"]

Credits = app_commands.Range[int, 0, 1_000_000]


def _key(member: discord.abc.User) -> str:
    return f"discord:{member.id}"


def _event(interaction: discord.Interaction) -> str:
    return f"discord:interaction:{interaction.id}"


def install_admin(tree: app_commands.CommandTree, core: Core, actions: Actions) -> None:
    admin = app_commands.Group(name="admin", description="Operator controls (the bot's admins only)",
                               default_permissions=discord.Permissions(manage_guild=True))
    desk = core.admin

    @admin.command(name="grant", description="Give a member extra credits for today")
    @app_commands.describe(member="Who gets them", credits="How many", reason="Why (kept in the audit trail)")
    async def grant(interaction: discord.Interaction, member: discord.User, credits: Credits,
                    reason: str | None = None) -> None:
        await actions.admin(interaction, lambda me: desk.grant(me, _key(member), credits, reason or "",
                                                                     key=_event(interaction)))

    @admin.command(name="limit", description="Credits a day (and jobs at a time) for a member, this server or a tier")
    @app_commands.describe(scope="Whose limit", credits="Credits a day (0 closes it)", member="For scope: member",
                           tier="For scope: tier", jobs="Jobs at a time (optional)")
    async def limit(interaction: discord.Interaction, scope: Literal["member", "server", "tier"], credits: Credits,
                    member: discord.User | None = None, tier: str | None = None,
                    jobs: app_commands.Range[int, 1, 100] | None = None) -> None:
        async def act(me):
            if scope == "member":
                if member is None:
                    return "Choose the member."
                return await desk.limit(me, "user", _key(member), credits, jobs, key=_event(interaction))
            if scope == "server":
                if interaction.guild_id is None:
                    return "Use this in the server whose limit you are setting."
                return await desk.limit(me, "chat", f"discord:{interaction.guild_id}", credits, jobs,
                                        key=_event(interaction))
            return await desk.limit(me, "tier", tier or "", credits, jobs, key=_event(interaction))
        await actions.admin(interaction, act)

    @admin.command(name="ban", description="Refuse a member")
    async def ban(interaction: discord.Interaction, member: discord.User, reason: str | None = None) -> None:
        await actions.admin(interaction, lambda me: desk.ban(me, _key(member), reason or "", key=_event(interaction)))

    @admin.command(name="unban", description="Let a banned member back")
    async def unban(interaction: discord.Interaction, member: discord.User) -> None:
        await actions.admin(interaction, lambda me: desk.unban(me, _key(member), key=_event(interaction)))

    @admin.command(name="usage", description="Credits and 302.AI spend by member, server and model")
    async def usage(interaction: discord.Interaction, period: Literal["today", "7d", "30d"] = "today") -> None:
        assert period in PERIODS

        async def act(me):
            table = (await desk.usage(me, period)).table()
            return f"```\n{table[:3900]}\n```"
        await actions.admin(interaction, act)

    @admin.command(name="jobs", description="Recent jobs, of everyone or of one member")
    async def jobs(interaction: discord.Interaction, member: discord.User | None = None) -> None:
        async def act(me):
            return f"```\n{(await desk.jobs(me, _key(member) if member else None))[:3900]}\n```"
        await actions.admin(interaction, act)

    @admin.command(name="refund", description="Give a delivered job's credits back to its member")
    @app_commands.describe(job="The job id (from /admin jobs)")
    async def refund(interaction: discord.Interaction, job: str) -> None:
        await actions.admin(interaction, lambda me: desk.refund(me, job.strip(), key=_event(interaction)))

    @admin.command(name="pause", description="Refuse new jobs (running ones finish)")
    @app_commands.describe(reason="What members are told")
    async def pause(interaction: discord.Interaction, reason: str | None = None) -> None:
        await actions.admin(interaction, lambda me: desk.pause(me, reason or "", key=_event(interaction)))

    @admin.command(name="resume", description="Accept new jobs again")
    async def resume(interaction: discord.Interaction) -> None:
        await actions.admin(interaction, lambda me: desk.resume(me, key=_event(interaction)))

    @admin.command(name="words", description="Blocked words of this server, or the operator's list")
    @app_commands.describe(action="list, add or remove this server's words; operator: the operator's list",
                           words="Words or phrases, separated by commas")
    async def blocked_words(interaction: discord.Interaction,
                            action: Literal["list", "add", "remove", "operator"] = "list",
                            words: str | None = None) -> None:
        async def act(me):
            if action == "operator":
                return f"```\n{(await desk.words(me))[:3900]}\n```"
            if interaction.guild_id is None:
                return "Use this in the server whose words you are changing."
            return await desk.words(me, action, f"discord:{interaction.guild_id}", (words or "").split(","),
                                    key=_event(interaction))
        await actions.admin(interaction, act)

    @admin.command(name="blocked", description="The last prompts refused for a blocked word")
    async def blocked_prompts(interaction: discord.Interaction) -> None:
        async def act(me):
            return f"```\n{(await desk.blocked(me))[:3900]}\n```"
        await actions.admin(interaction, act)

    @admin.command(name="chat-settings", description="This server's own /settings; reset clears them")
    @app_commands.describe(reset="Clear them, its blocked words too: the operator's settings apply")
    async def chat_settings(interaction: discord.Interaction, reset: bool = False) -> None:
        async def act(me):
            if interaction.guild_id is None:
                return "Use this in the server whose settings you want to see."
            text = await desk.chat_settings(me, f"discord:{interaction.guild_id}", reset=reset,
                                            key=_event(interaction))
            return f"```\n{text[:3900]}\n```"
        await actions.admin(interaction, act)

    @admin.command(name="console", description="A one-time login link to the web console (private)")
    async def console_link(interaction: discord.Interaction) -> None:
        from adapters.web import chat_login_link  # the answer is ephemeral: only the admin sees the link
        await actions.admin(interaction, lambda me: chat_login_link(core, me))

    tree.add_command(admin)
