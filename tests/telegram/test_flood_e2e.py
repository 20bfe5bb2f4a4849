"""Flood control is obeyed whatever it asks, and the Queued reply survives a 5xx.

The bot runs on a fake clock here: the FloodGate sleeps by moving that clock, and the fake
Bot API stamps each call with it, so a 200 s wait is checked without waiting 200 s.
"""

from __future__ import annotations

import asyncio

from adapters.telegram import TelegramAdapter
from adapters.telegram.flood import FloodGate
from tests.telegram.conftest import RunningBot


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_a_200_s_retry_after_is_waited_out_before_anything_else_goes_to_that_chat(
        make_core, tg_config, fake_api, ann, ann_chat):
    time = FakeTime()
    fake_api.clock = time.clock
    core = await make_core()
    bot = RunningBot(TelegramAdapter(core, tg_config, flood_gate=FloodGate(clock=time.clock, sleep=time.sleep)), core)
    await bot.adapter.start()
    await core.start()
    try:
        fake_api.fail_next("sendMessage", retry_after=200)
        command = await fake_api.send_text(ann, ann_chat, "/image a cat")

        await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
        await core.wait_idle()
    finally:
        await bot.stop()

    to_chat = [c for c in fake_api.calls if c.params.get("chat_id") == ann_chat["id"]]
    refused = next(i for i, c in enumerate(to_chat) if c.error is not None and c.error.code == 429)
    assert [c.method for c in to_chat[refused:refused + 2]] == ["sendMessage", "sendMessage"]  # then the retry
    assert all(c.at >= to_chat[refused].at + 200 for c in to_chat[refused + 1:])
    assert sum(time.slept) >= 200
    assert fake_api.reply_with(command, "text")  # the Queued reply did arrive, once the wait was over
    fake_api.take_errors()


async def test_the_queued_reply_is_sent_again_after_a_server_error(start_bot, fake_api, ann, ann_chat):
    fake_api.fail_next("sendMessage", 502, "Bad Gateway")
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()

    assert [c.error.code if c.error else 200 for c in fake_api.calls if c.method == "sendMessage"] == [502, 200]
    assert len([m for m in fake_api.replies_to(command) if "text" in m]) == 1


async def test_a_busy_group_is_held_to_its_per_minute_rate(fake_api, ann):
    from telegram.ext import ExtBot

    from tests.telegram.conftest import TOKEN
    group = fake_api.group_chat()
    await fake_api.send_text(ann, group, "hello")  # the chat exists
    gate = FloodGate(group_rate=(10, 1.0))  # 10 a second instead of 20 a minute, to keep the test short
    async with ExtBot(TOKEN, base_url=fake_api.base_url, rate_limiter=gate) as bot:
        await asyncio.gather(*(bot.send_message(group["id"], f"n{i}") for i in range(15)))

    sent = sorted(c.at for c in fake_api.sent("sendMessage", group["id"]))
    assert len(sent) == 15
    assert sent[-1] - sent[0] >= 0.4  # the 5 over the bucket of 10 waited their turn
