"""Fixtures: the fake Discord on loopback, a clock the tests move, and the real bot on both.

`start_bot()` builds what `reelbot run` builds — a core on the simulator and the Discord
adapter on the fake — and starts them in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import warnings

import pytest

with warnings.catch_warnings():
    # discord.py imports the standard library's audioop (deprecated since 3.11) for voice,
    # which reelbot does not use; the suite turns warnings into errors, so allow this one.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401  (imported here first, under the filter above)

from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord import DiscordAdapter, DiscordConfig
from bot.core import Core
from tests.discord.fake_discord import FakeDiscord

PROGRESS_INTERVAL = 0.05  # seconds between status edits of one job (5 s in production)


class FakeClock:
    """Wall-clock time that moves only when a test says so (for 15-minute token lifetimes)."""

    def __init__(self, now: float = 1_767_225_600.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RunningBot:
    core: Core
    adapter: DiscordAdapter
    config: DiscordConfig

    async def stop(self) -> None:
        """What `reelbot run` does on a signal: the jobs first, so that deliveries under way
        finish while Discord is still connected; then the adapter; then the core."""
        await self.core.stop_jobs()
        await self.adapter.stop()
        await self.core.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _discord_py_addresses():
    # discord.py keeps its addresses in class attributes; no test may leave its fake's behind
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest.fixture
async def fake_discord(clock):
    fake = FakeDiscord(clock=clock)
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.problems, f"the bot did things Discord would refuse: {fake.problems}"


@pytest.fixture
def discord_config(fake_discord, tmp_path) -> Callable[..., DiscordConfig]:
    def make(**changes: Any) -> DiscordConfig:
        settings: dict[str, Any] = dict(
            token=fake_discord.token, data_dir=tmp_path / "discord", api_base=fake_discord.api_base,
            gateway_url=fake_discord.gateway_url, progress_interval=PROGRESS_INTERVAL,
            guild_ready_timeout=0.05, connect_timeout=10.0)
        return DiscordConfig(**(settings | changes))

    return make


@pytest.fixture
async def start_bot(make_core, discord_config, clock, tmp_path):
    bots: list[RunningBot] = []

    async def start(*, db_path: Path | None = None, core_settings: dict[str, Any] | None = None,
                    **config: Any) -> RunningBot:
        core = await make_core(db_path=db_path or tmp_path / "reelbot.db", **(core_settings or {}))
        settings = discord_config(**config)
        adapter = DiscordAdapter(core, settings, clock=clock)
        bot = RunningBot(core, adapter, settings)
        bots.append(bot)
        await adapter.start()
        await core.start()
        return bot

    yield start
    for bot in reversed(bots):
        await bot.stop()

