"""Chats that moved or are gone: a group upgraded to a supergroup gets its result under the
new id; a chat that lost the bot is refunded at once instead of retried for minutes."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester

BASIC_GROUP = -4001


def tried(fake_api, method: str) -> list:
    return [c for c in fake_api.calls if c.method == method]


async def queued_in(fake_api, user, chat, text: str) -> dict:
    """Send `text`; returns the command once its status message is there."""
    command = await fake_api.send_text(user, chat, text)
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    return command


@pytest.mark.parametrize("lose", ["kick_bot", "delete_chat"])
async def test_a_video_for_a_chat_that_lost_the_bot_is_refunded_without_retrying(
        start_bot, simulator, fake_api, ann, lose):
    simulator.configure(video_seconds=1.0)
    bot = await start_bot()
    group = fake_api.group_chat()
    await queued_in(fake_api, ann, group, "/video a cat")
    getattr(fake_api, lose)(group)

    await fake_api.wait_until(lambda: tried(fake_api, "sendVideo"))
    await bot.core.wait_idle()

    assert len(tried(fake_api, "sendVideo")) == 1
    assert (await bot.core.quota(Requester("telegram", "1001", chat_id=str(group["id"])))).credits_left == 50


async def test_a_failure_notice_for_a_chat_that_lost_the_bot_is_given_up_at_once(
        start_bot, simulator, fake_api, ann):
    simulator.configure(video_seconds=1.0)
    bot = await start_bot()
    group = fake_api.group_chat()
    await queued_in(fake_api, ann, group, "/video [sim:fail] a cat")
    sent_before = len(tried(fake_api, "sendMessage"))
    fake_api.kick_bot(group)

    await fake_api.wait_until(lambda: len(tried(fake_api, "sendMessage")) > sent_before)
    await bot.core.wait_idle()

    assert len(tried(fake_api, "sendMessage")) == sent_before + 1


async def test_a_video_follows_a_group_upgraded_to_a_supergroup(start_bot, simulator, fake_api, ann):
    simulator.configure(video_seconds=1.0)
    await start_bot()
    group = fake_api.group_chat(BASIC_GROUP, kind="group")
    await queued_in(fake_api, ann, group, "/video a paper boat")
    supergroup = fake_api.migrate(group, by=ann)

    video = await fake_api.wait_until(lambda: next(
        (m for m in fake_api.chat(supergroup["id"]) if "video" in m), None))

    assert video["caption"].startswith("a paper boat")


async def test_a_failure_notice_follows_a_group_upgraded_to_a_supergroup(start_bot, simulator, fake_api, ann):
    simulator.configure(video_seconds=1.0)
    await start_bot()
    group = fake_api.group_chat(BASIC_GROUP, kind="group")
    await queued_in(fake_api, ann, group, "/video [sim:fail] a paper boat")
    supergroup = fake_api.migrate(group, by=ann)

    notice = await fake_api.wait_until(lambda: next(
        (m for m in fake_api.chat(supergroup["id"]) if m.get("text", "").startswith("❌")), None))

    assert "Your credits are back" in notice["text"]
