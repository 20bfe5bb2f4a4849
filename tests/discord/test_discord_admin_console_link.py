"""`/admin console` on Discord: an admin's one-time console link comes in an ephemeral answer
and logs in once; a member who is not a bot admin gets none."""

from __future__ import annotations

import re

import pytest

from bot.store.console_sessions import ConsoleSessions
from tests.discord.test_discord_admin import run


@pytest.fixture
async def console_bot(start_bot, fake_discord):
    fake_discord.add_user("bob")
    return await start_bot(admin_ids=frozenset({int(fake_discord.user_id("alice"))}),
                           core_settings={"console_url": "https://console.example.org"})


async def test_an_admin_gets_a_console_link_that_logs_in_once(console_bot, fake_discord):
    text = await run(fake_discord, "console", "login")
    token = re.search(r"https://console\.example\.org/login\?t=([\w-]+)", text).group(1)
    sessions = ConsoleSessions(console_bot.core._store.db)
    assert await sessions.redeem(token) is not None and await sessions.redeem(token) is None
    [(actor,)] = [tuple(r) for r in await console_bot.core._store.db.fetchall("SELECT actor FROM console_sessions")]
    assert actor == f"discord:{fake_discord.user_id('alice')}"


async def test_a_member_who_is_not_an_admin_gets_no_link(console_bot, fake_discord):
    assert "Only the bot's admins" in await run(fake_discord, "console", "admins", user="bob")
    assert await console_bot.core._store.db.fetchall("SELECT * FROM console_links") == []
