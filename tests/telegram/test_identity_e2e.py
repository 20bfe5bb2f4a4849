"""Who pays: the Telegram user for personal quotas, the chat for per-chat limits."""

from __future__ import annotations

import pytest

from adapters.telegram.menu import parse_command


async def test_each_member_has_their_own_daily_credits(start_bot, fake_api, ann):
    await start_bot(daily_credits=1)
    group = fake_api.group_chat()
    bob = fake_api.user(1002, "Bob")
    first = await fake_api.send_text(ann, group, "/image a cat")
    await fake_api.wait_until(lambda: fake_api.reply_with(first, "photo"))

    again = await fake_api.send_text(ann, group, "/image a dog")
    bobs = await fake_api.send_text(bob, group, "/image a dog")

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(again, "text"))
    assert "you have 0 left today" in refusal["text"]
    await fake_api.wait_until(lambda: fake_api.reply_with(bobs, "photo"))


async def test_a_chat_limit_counts_every_member_of_the_chat(start_bot, fake_api, ann):
    await start_bot(chat_daily_credits=1)
    group = fake_api.group_chat()
    bob = fake_api.user(1002, "Bob")
    first = await fake_api.send_text(ann, group, "/image a cat")
    await fake_api.wait_until(lambda: fake_api.reply_with(first, "photo"))

    bobs = await fake_api.send_text(bob, group, "/image a dog")

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(bobs, "text"))
    assert "This chat has used its 1 credits" in refusal["text"]


@pytest.mark.parametrize("text, expected", [
    ("/video a cat", ("video", "a cat")),
    ("/Video@ReelTestBot  a cat\non two lines", ("video", "a cat\non two lines")),
    ("/video@reeltestbot", ("video", "")),
    ("/video@OtherBot a cat", None),
    ("a /video in the middle", None),
    ("/video-a-cat", None),
])
def test_commands_are_recognised_with_or_without_the_bot_name(text, expected):
    assert parse_command(text, "ReelTestBot") == expected
