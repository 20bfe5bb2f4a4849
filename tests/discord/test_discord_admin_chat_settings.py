"""/admin chat-settings on Discord through real discord.py: a bot admin sees the server's own
/settings and resets them; a member is refused and nothing changes."""

from __future__ import annotations

import pytest

from bot.chats.desk import ChatActor
from tests.discord.discord_helpers import member
from tests.discord.test_discord_admin import run


@pytest.fixture
async def admin_bot(start_bot, fake_discord):
    fake_discord.add_user("bob")
    return await start_bot(admin_ids=frozenset({int(fake_discord.user_id("alice"))}))


async def test_a_bot_admin_sees_and_resets_the_servers_own_settings(admin_bot, fake_discord):
    server_admin = ChatActor(member(fake_discord, "bob"), chat_admin=True)
    await admin_bot.core.chat_desk.budget(server_admin, 30)

    shown = await run(fake_discord, "chat-settings", "daily budget")
    cleared = await run(fake_discord, "chat-settings", "Cleared", reset=True)

    assert "daily budget: 30 credits" in shown
    assert f"Cleared discord:{fake_discord.guild_id}'s own settings:" in cleared
    assert (await admin_bot.core.chat_desk.settings(server_admin)).daily_credits is None


async def test_a_member_is_refused_the_servers_settings_and_nothing_changes(admin_bot, fake_discord):
    server_admin = ChatActor(member(fake_discord, "bob"), chat_admin=True)
    await admin_bot.core.chat_desk.budget(server_admin, 30)

    assert "Only the bot's admins" in await run(fake_discord, "chat-settings", "admins", user="bob", reset=True)
    assert (await admin_bot.core.chat_desk.settings(server_admin)).daily_credits == 30
