"""A busy group's budget, through the real PTB against the fake Bot API with Telegram's
budgets enforced: results go before acknowledgements and progress waiting with them,
progress is dropped first, and a command taken while the budget is short is acknowledged by
a 👀 reaction instead of a message."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from telegram.ext import ExtBot

from adapters.telegram import TelegramAdapter
from adapters.telegram.budget import Dropped
from adapters.telegram.flood import AS_RESULT, FIRST, FloodGate, as_progress
from tests.conftest import wait_for
from tests.telegram.conftest import TOKEN, RunningBot
from tests.telegram.fake_limits import TelegramLimits

WINDOW = 4.0  # seconds: the group's "minute", shortened so the test does not wait a real one


@pytest.fixture
def group(fake_api):
    return fake_api.group_chat()


@pytest.fixture
async def gate_bot(fake_api, ann, group):
    await fake_api.send_text(ann, group, "hello")  # the chat exists
    fake_api.limits = TelegramLimits(group_messages=2, group_window=WINDOW)
    async with ExtBot(TOKEN, base_url=fake_api.base_url, rate_limiter=FloodGate(group_rate=(2, WINDOW))) as bot:
        yield bot


async def test_in_a_busy_group_a_result_goes_before_the_acknowledgement_waiting_with_it(fake_api, gate_bot, group):
    status = await gate_bot.send_message(group["id"], "⏳ Queued")
    await gate_bot.send_message(group["id"], "spends the window")

    ack = asyncio.create_task(gate_bot.send_message(group["id"], "⏳ Queued, the next one", rate_limit_args=FIRST))
    await wait_for(lambda: gate_bot.rate_limiter.budget.spare(group["id"]) < 0, what="the acknowledgement to wait")
    result = asyncio.create_task(gate_bot.send_message(group["id"], "the result", rate_limit_args=AS_RESULT))
    await asyncio.gather(ack, result)

    sent = [c.params["text"] for c in fake_api.sent("sendMessage", group["id"])][2:]
    assert sent == ["the result", "⏳ Queued, the next one"]
    assert fake_api.limits.refused == 0
    assert status.message_id


async def test_in_a_busy_group_progress_is_dropped_and_results_still_go(fake_api, gate_bot, group):
    status = await gate_bot.send_message(group["id"], "⏳ Queued")
    await gate_bot.send_message(group["id"], "spends the window")

    with pytest.raises(Dropped):
        await gate_bot.edit_message_text("⏳ Generating…", chat_id=group["id"], message_id=status.message_id,
                                         rate_limit_args=as_progress(group["id"], status.message_id))
    await gate_bot.send_message(group["id"], "the result", rate_limit_args=AS_RESULT)

    assert not fake_api.sent("editMessageText")  # the progress edit never reached Telegram
    assert [c.params["text"] for c in fake_api.sent("sendMessage", group["id"])][-1] == "the result"
    assert fake_api.limits.refused == 0


async def test_a_command_taken_while_the_group_budget_is_short_gets_a_reaction_then_its_result(
        make_core, tg_config, fake_api, ann, group):
    fake_api.limits = TelegramLimits(group_messages=2, group_window=WINDOW)
    core = await make_core()
    gate = FloodGate(group_rate=(2, WINDOW))
    bot = RunningBot(TelegramAdapter(core, replace(tg_config, result_in_place=True), flood_gate=gate), core)
    await bot.adapter.start()
    await core.start()
    try:
        await fake_api.send_text(ann, group, "hello")
        for n in range(2):  # the group's budget is spent by other messages
            await bot.adapter._app.bot.send_message(group["id"], f"announcement {n}")
        command = await fake_api.send_text(ann, group, "/image a lighthouse")

        await fake_api.wait_until(lambda: fake_api.reactions.get((group["id"], command["message_id"])))
        result = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"), timeout=30)
        await core.wait_idle()
    finally:
        await bot.stop()

    assert fake_api.reactions[(group["id"], command["message_id"])] == ["👀"]
    assert fake_api.replies_to(command) == [result]  # no "Queued" message: the result is the only reply
    assert result["caption"].startswith("a lighthouse")
    assert fake_api.limits.refused == 0


async def test_a_chat_that_takes_no_reactions_is_answered_with_a_message(make_core, tg_config, fake_api, ann,
                                                                        group):
    fake_api.fail_next("setMessageReaction", 400, "Bad Request: REACTION_INVALID")
    core = await make_core()
    gate = FloodGate(group_rate=(2, WINDOW))
    bot = RunningBot(TelegramAdapter(core, tg_config, flood_gate=gate), core)
    await bot.adapter.start()
    await core.start()
    try:
        await fake_api.send_text(ann, group, "hello")
        for n in range(2):
            await bot.adapter._app.bot.send_message(group["id"], f"announcement {n}")
        command = await fake_api.send_text(ann, group, "/image a lighthouse")

        status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"), timeout=30)
        await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"), timeout=30)
        await core.wait_idle()
    finally:
        await bot.stop()

    assert fake_api.versions(status)[0].startswith("⏳ Queued your image")
    assert (group["id"], command["message_id"]) not in fake_api.reactions
