"""Against a Bot API that takes its time, the bot keeps as many calls under way as its send
rate needs (adapters.telegram.concurrency), not a fixed CONCURRENT_CALLS."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.telegram.config import CONCURRENT_CALLS
from tests.telegram.conftest import TOKEN
from tests.telegram.fake_bot_api_process import LatentBotApi

COMMANDS = 3 * CONCURRENT_CALLS


@pytest.fixture
async def slow_api():
    # Telegram half a second away: the commands' replies overlap there, however slowly this
    # machine hands the updates to the bot
    api = LatentBotApi(TOKEN, latency=(0.5, 0.5))
    await api.start()
    yield api
    await api.close()
    assert not api.unknown and not api.errors, (api.unknown, api.errors)


async def test_a_slow_bot_api_gets_more_calls_under_way_than_the_floor_when_the_load_asks(start_bot, tg_config,
                                                                                            slow_api):
    config = replace(tg_config, api_base=slow_api.base_url, file_api_base=slow_api.base_file_url,
                     sends_per_second=1000)  # a bot Telegram allows 1000 messages a second
    await start_bot(config=config, daily_credits=1000, max_in_flight=1000)
    members = [slow_api.user(5000 + i, f"M{i}") for i in range(COMMANDS)]
    commands = [await slow_api.send_text(m, slow_api.private_chat(m), "/image a fox") for m in members]

    await slow_api.wait_until(lambda: all(slow_api.reply_with(c, "photo") for c in commands), timeout=60)
    # more than the FloodGate's floor and the connections it used to have (getUpdates is one more)
    assert slow_api.most_in_flight > CONCURRENT_CALLS + 4
    assert all(len([m for m in slow_api.replies_to(c) if "photo" in m]) == 1 for c in commands)
