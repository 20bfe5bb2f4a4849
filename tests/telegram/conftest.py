"""Fixtures: the fake Bot API on loopback, and the real adapter + core pointed at it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from adapters.telegram import TelegramAdapter, TelegramConfig
from bot.core import Core
from tests.telegram.fake_bot_api import FakeBotApi

# Shaped like a real token; the tests check that it never reaches a log line.
TOKEN = "7000001:AAHtestTOKEN-never-in-logs_0123456789"
ADMIN_ID = 900
EDIT_INTERVAL = 0.2  # seconds between edits of one status message (5 s in production)


@pytest.fixture
async def fake_api():
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.close()
    assert not api.unknown, f"the bot called Bot API methods the fake does not know: {api.unknown}"
    assert not api.errors, f"the bot sent requests Telegram would refuse: {api.errors}"


@pytest.fixture
def tg_config(fake_api) -> TelegramConfig:
    return TelegramConfig(token=TOKEN, api_base=fake_api.base_url, file_api_base=fake_api.base_file_url,
                          edit_interval=EDIT_INTERVAL, admin_ids=frozenset({ADMIN_ID}),
                          result_in_place=False)  # these tests read the text status; tests of one message per job set it


@dataclass
class RunningBot:
    adapter: TelegramAdapter
    core: Core

    async def stop(self) -> None:
        """As `reelbot run` does on a signal: the jobs (deliveries under way finish while
        Telegram is still connected), then the adapter, then the rest of the core."""
        await self.core.stop_jobs()
        await self.adapter.stop()
        await self.core.stop()


@pytest.fixture
async def start_bot(make_core, tg_config):
    """`bot = await start_bot(**core_settings)`: started the way `reelbot run` starts it."""
    bots: list[RunningBot] = []

    async def start(*, config: TelegramConfig | None = None, core: Core | None = None,
                    **core_settings) -> RunningBot:
        core = core or await make_core(**core_settings)
        bot = RunningBot(TelegramAdapter(core, config or tg_config), core)
        bots.append(bot)
        await bot.adapter.start()
        await core.start()
        return bot

    yield start
    for bot in bots:  # stopping twice is harmless, as in `reelbot run`
        await bot.stop()


@pytest.fixture
async def start_webhook_bot(start_bot, tg_config, fake_api):
    """A bot in webhook mode, listening on a port the system picked; the fake Bot API posts there."""

    async def start(**core_settings) -> tuple[RunningBot, TelegramConfig]:
        config = replace(tg_config, webhook_url="https://bot.example.org/telegram-hook",
                         webhook_listen="127.0.0.1:0")
        bot = await start_bot(config=config, **core_settings)
        fake_api.webhook_port = bot.adapter.receiver.port
        return bot, config

    return start


@pytest.fixture
def ann(fake_api) -> dict:
    return fake_api.user(1001, "Ann", "ann")


@pytest.fixture
def ann_chat(fake_api, ann) -> dict:
    return fake_api.private_chat(ann)
