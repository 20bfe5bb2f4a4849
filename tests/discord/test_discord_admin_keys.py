"""A Discord admin action is keyed on its interaction: the same interaction carried out again
(say, by a second shard process that got it too) changes nothing."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester
from tests.discord.fake_discord import UserOption
from tests.discord.test_discord_admin import text_of


@pytest.fixture
async def admin_bot(start_bot, fake_discord):
    fake_discord.add_user("bob")
    return await start_bot(admin_ids=frozenset({int(fake_discord.user_id("alice"))}))


async def test_a_grant_is_stored_under_its_interaction_and_that_interaction_grants_once(admin_bot, fake_discord):
    bob = f"discord:{fake_discord.user_id('bob')}"
    interaction = await fake_discord.invoke("admin", sub="grant", member=UserOption("bob"), credits=7)
    assert "Granted 7 credits" in text_of(await fake_discord.status_of(interaction, "Granted"))
    key = f"discord:interaction:{interaction.id}"
    db = admin_bot.core._store.db
    assert [r["event_key"] for r in await db.fetchall("SELECT event_key FROM audit")] == [key]

    again = await admin_bot.core.admin.grant(Requester("discord", fake_discord.user_id("alice"), is_admin=True),
                                             bob, 7, key=key)

    assert "Granted 7 credits" in again
    rows = await db.fetchall("SELECT amount FROM ledger WHERE entry = 'grant'")
    assert [r["amount"] for r in rows] == [7]
