"""`/settings` through real discord.py against the fake Discord: a member with Manage Server
(as the interaction's member permissions say) changes the server's budget, models and words,
privately and within the operator's bounds; a member without it is refused, and an admin of
another server touches only their own; adult-only models run only in age-restricted channels."""

from __future__ import annotations

import discord
import pytest

from bot.chats.adult import ONLY_NSFW_CHANNELS
from bot.chats.desk import NOT_CHAT_ADMIN
from tests.discord.discord_helpers import member
from tests.words.forms import paid_calls

PLAIN = discord.Permissions(send_messages=True, use_application_commands=True).value
ADULT_MODEL = "302ai-flux-dev-t2i"


def chat_key(fake_discord, guild_id: int | None = None) -> str:
    return f"discord:{guild_id or fake_discord.guild_id}"


async def settings(fake_discord, sub: str, shows: str, *, user: str = "alice", **options):
    interaction = await fake_discord.invoke("settings", sub=sub, user=user, **options)
    status = await fake_discord.status_of(interaction, shows)
    assert status.ephemeral and interaction.followups == []
    return status


async def test_a_manage_server_member_changes_budget_models_and_words(start_bot, fake_discord):
    bot = await start_bot()

    await settings(fake_discord, "budget", "200", credits=200)
    await settings(fake_discord, "models", "minimaxi-*", models="minimaxi-*")
    await settings(fake_discord, "words", "cake", action="add", words="cake, big spoon")

    stored = await bot.core.chats.store.get(chat_key(fake_discord))
    assert stored.daily_credits == 200 and stored.models == ("minimaxi-*",)
    assert await bot.core.blocklist.chats.words(chat_key(fake_discord)) == ["big spoon", "cake"]
    actors = {r["actor"] for r in await bot.core._store.db.fetchall("SELECT actor FROM audit")}
    assert actors == {f"discord:{fake_discord.user_id('alice')}"}
    shown = await settings(fake_discord, "show", "Daily budget: 200 credits")
    assert "Models: minimaxi-*" in shown.text and "Blocked words of its own: 2" in shown.text


async def test_a_member_without_manage_server_is_refused(start_bot, fake_discord):
    bot = await start_bot()
    fake_discord.member_permissions["bob"] = PLAIN

    await settings(fake_discord, "budget", NOT_CHAT_ADMIN.render("en"), user="bob", credits=5)

    assert (await bot.core.chats.store.get(chat_key(fake_discord))).daily_credits is None


async def test_an_admin_of_another_server_changes_only_that_server(start_bot, fake_discord):
    other_guild, other_channel = fake_discord.add_guild()
    bot = await start_bot()

    interaction = await fake_discord.invoke("settings", sub="commands", channel=other_channel, commands="video")
    await fake_discord.status_of(interaction, "/video")

    assert (await bot.core.chats.store.get(chat_key(fake_discord, other_guild))).commands == {"video"}
    assert (await bot.core.chats.store.get(chat_key(fake_discord))).commands is None


async def test_the_operators_cap_wins_over_a_higher_budget(start_bot, fake_discord):
    bot = await start_bot(core_settings={"chat_daily_credits": 3})

    await settings(fake_discord, "budget", "at most 3 credits", credits=200)

    assert (await bot.core.chats.store.get(chat_key(fake_discord))).daily_credits == 3


async def test_an_images_only_server_refuses_video_at_no_cost(start_bot, fake_discord, simulator):
    bot = await start_bot()
    await settings(fake_discord, "commands", "/image", commands="image")
    fake_discord.member_permissions["bob"] = PLAIN

    interaction = await fake_discord.invoke("video", user="bob", prompt="a cat surfing")
    await fake_discord.status_of(interaction, "/image")

    assert paid_calls(simulator) == [] and (await bot.core.quota(member(fake_discord, "bob"))).used_today == 0


async def test_an_adult_model_is_refused_in_an_ordinary_channel_at_no_cost(start_bot, fake_discord, simulator):
    await start_bot(core_settings={"adult_models": ("*flux-dev*",)})

    interaction = await fake_discord.invoke("image", prompt="a fox", model=ADULT_MODEL)
    await fake_discord.status_of(interaction, ONLY_NSFW_CHANNELS.render("en"))

    assert paid_calls(simulator) == [] and interaction.followups == []


async def test_an_adult_model_runs_in_an_age_restricted_channel(start_bot, fake_discord, simulator):
    nsfw = fake_discord.add_channel(nsfw=True)
    await start_bot(core_settings={"adult_models": ("*flux-dev*",)})

    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a fox", model=ADULT_MODEL,
                                                                    channel=nsfw))

    assert result.channel_id == nsfw and len(paid_calls(simulator)) == 1


async def test_a_chinese_admin_is_answered_in_chinese(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("settings", sub="budget", credits=30, locale="zh-CN")

    await fake_discord.status_of(interaction, "本聊天的预算现在为每天 30 积分")
