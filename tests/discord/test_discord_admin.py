"""/admin on Discord through real discord.py: hidden from members without Manage Server,
checked in the core for every call, and each subcommand doing what it says."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester
from tests.discord.fake_discord import UserOption
from tests.discord.discord_helpers import embeds_sent


def text_of(message) -> str:
    return message.content + " ".join(e.get("description", "") for e in embeds_sent(message))


@pytest.fixture
async def admin_bot(start_bot, fake_discord):
    fake_discord.add_user("bob")
    return await start_bot(admin_ids=frozenset({int(fake_discord.user_id("alice"))}))


async def run(fake_discord, sub: str, words: str, *, user: str = "alice", **options) -> str:
    interaction = await fake_discord.invoke("admin", sub=sub, user=user, **options)
    return text_of(await fake_discord.status_of(interaction, words))


async def test_the_admin_group_is_hidden_from_members_without_manage_server(admin_bot, fake_discord):
    [admin] = [c for c in fake_discord.commands["global"].values() if c["name"] == "admin"]
    assert int(admin["default_member_permissions"]) == 1 << 5  # MANAGE_GUILD
    assert {o["name"] for o in admin["options"]} >= {"grant", "limit", "ban", "unban", "usage", "jobs",
                                                     "refund", "pause", "resume"}


async def test_a_member_who_is_not_a_bot_admin_is_refused_and_nothing_changes(admin_bot, fake_discord):
    assert "Only the bot's admins" in await run(fake_discord, "ban", "admins", user="bob",
                                                member=UserOption("alice"))
    report = await admin_bot.core.admin.usage(Requester("discord", "0", is_admin=True))
    assert report.audit == []


async def test_grant_ban_unban_limit_and_usage_by_an_admin(admin_bot, fake_discord, simulator):
    bob = f"discord:{fake_discord.user_id('bob')}"
    assert "Granted 7 credits" in await run(fake_discord, "grant", "Granted", member=UserOption("bob"), credits=7)
    assert "banned" in await run(fake_discord, "ban", "banned", member=UserOption("bob"), reason="spam")
    refused = await fake_discord.invoke("image", user="bob", prompt="a fox")
    await fake_discord.status_of(refused, "cannot use this bot")
    await run(fake_discord, "unban", "again", member=UserOption("bob"))
    assert "0 credits a day" in await run(fake_discord, "limit", "Limit", scope="server", credits=0)
    table = await run(fake_discord, "usage", "Usage", period="7d")
    assert f"grant {bob} 7 credits" in table and "ban" in table


async def test_pause_and_resume_by_an_admin(admin_bot, fake_discord, simulator):
    await run(fake_discord, "pause", "paused", reason="maintenance")
    refused = await fake_discord.invoke("image", user="bob", prompt="a fox")
    await fake_discord.status_of(refused, "maintenance")
    await run(fake_discord, "resume", "accepted again")
    assert not simulator.requests


async def test_alerts_reach_every_admin_by_direct_message(admin_bot, fake_discord):
    await admin_bot.adapter.messenger.alert_admins("the balance ran out")
    [dm] = [m for m in fake_discord.messages.values() if m.channel_id == fake_discord.dm_channel_id]
    assert "the balance ran out" in dm.content


async def test_jobs_and_refund_by_an_admin_and_every_subcommand_refused_to_a_member(admin_bot, fake_discord):
    result = await fake_discord.result_of(await fake_discord.invoke("image", user="bob", prompt="a fox"))
    await admin_bot.core.wait_idle()
    [job_id] = [f.filename.removeprefix("reelbot-").split(".")[0] for f in result.files]
    assert job_id in await run(fake_discord, "jobs", job_id, member=UserOption("bob"))
    assert "given back" in await run(fake_discord, "refund", "given back", job=job_id)
    for sub, options in (("grant", {"member": UserOption("alice"), "credits": 1}), ("unban", {"member": UserOption("alice")}),
                         ("limit", {"scope": "server", "credits": 0}), ("usage", {}), ("jobs", {}),
                         ("refund", {"job": job_id}), ("pause", {}), ("resume", {})):
        assert "Only the bot's admins" in await run(fake_discord, sub, "admins", user="bob", **options)
