"""Discord never posts a result blind: after a 5xx on a follow-up that Discord may have created,
a channel history the bot cannot read counts as "the result may be there", so nothing more is
posted, and the operator sees the uncertainty in the log and in /healthz."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import discord
import httpx

from entrypoints.ops import OpsListener
from tests.discord.fake_discord import READ_MESSAGE_HISTORY


def webhook_posts(fake_discord) -> int:
    return len([r for r in fake_discord.requests if r[0] == "POST" and "/webhooks/" in r[1]])


async def test_a_follow_up_created_before_a_502_with_the_history_refused_is_posted_once(
        start_bot, fake_discord, caplog):
    bot = await start_bot()
    fake_discord.followup_errors_after_create = [502]
    fake_discord.history_forbidden = True

    with caplog.at_level(logging.WARNING, logger="adapters.discord.messenger"):
        interaction = await fake_discord.invoke("image", prompt="a fox behind a locked history")
        await fake_discord.result_of(interaction)
        await bot.core.wait_idle()

    assert len([m for m in interaction.followups if m.files]) == 1
    assert webhook_posts(fake_discord) == 1 and not fake_discord.channel_messages()
    assert not await bot.core._store.unfinished()
    assert any("history cannot be read" in r.getMessage() for r in caplog.records)


async def test_a_502_with_no_read_message_history_is_posted_once(start_bot, fake_discord):
    # Discord answers an empty list to a bot without the permission, and the interaction says
    # it lacks it: the empty answer is not taken for "not posted"
    bot = await start_bot()
    fake_discord.app_permissions &= ~READ_MESSAGE_HISTORY
    fake_discord.history_hidden = True
    fake_discord.followup_errors_after_create = [502]

    interaction = await fake_discord.invoke("image", prompt="a fox in a channel it cannot read")
    await fake_discord.result_of(interaction)
    await bot.core.wait_idle()

    assert len([m for m in interaction.followups if m.files]) == 1
    assert webhook_posts(fake_discord) == 1
    assert not await bot.core._store.unfinished()


async def test_an_empty_history_where_the_bot_has_posted_is_not_taken_for_not_posted(start_bot, fake_discord):
    # the permission was removed after the interaction reported it: the history comes back
    # empty although the bot's earlier result is in that channel
    bot = await start_bot()
    first = await fake_discord.invoke("image", prompt="a first fox")
    await fake_discord.result_of(first)
    await bot.core.wait_idle()
    fake_discord.history_hidden = True
    fake_discord.followup_errors_after_create = [502]

    second = await fake_discord.invoke("image", prompt="a second fox")
    await fake_discord.result_of(second)
    await bot.core.wait_idle()

    assert len([m for m in second.followups if m.files]) == 1
    assert webhook_posts(fake_discord) == 2  # one for each job


async def test_healthz_names_the_posts_whose_arrival_could_not_be_checked(start_bot, fake_discord):
    bot = await start_bot()
    fake_discord.followup_errors_after_create = [502]
    fake_discord.history_forbidden = True
    listener = OpsListener(bot.core, {"discord": bot.adapter}, "127.0.0.1:0")
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as http:
            assert "notes" not in (await http.get("/healthz")).json()
            await fake_discord.result_of(await fake_discord.invoke("image", prompt="a fox, maybe posted"))
            await bot.core.wait_idle()
            health = await http.get("/healthz")
    finally:
        await listener.stop()
    assert health.status_code == 200  # the bot is up; the note is for the operator
    assert health.json()["notes"]["discord"]["posts_uncertain"] == 1


def test_the_readme_invite_asks_for_read_message_history_and_what_it_lists():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    [link] = set(re.findall(r"permissions=(\d+)", readme))
    asked = discord.Permissions(int(link))
    assert asked.read_message_history and asked.send_messages and asked.attach_files
    assert f"integer `{link}`" in readme  # the number in the text is the one in the link
