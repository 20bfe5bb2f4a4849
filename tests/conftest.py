"""Shared fixtures: the 302.AI simulator on loopback and a core factory pointed at it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.ai302.simulator import Simulator
from bot.config import Settings
from bot.core import Core
from bot.i18n import DEFAULT_LANGUAGE, render, set_default_language
from bot.jobs.runner import Timing
from bot.ports import Progress, Result
from bot.wiring import build_core

SIM_KEY = "sk-test-0123456789abcdef"

# Short waits everywhere: the simulator's videos take well under a second in tests.
FAST = Timing(min_poll_interval=0.05, max_poll_interval=0.5, retry_base=0.05, retry_max=0.5,
              max_retries=4, expected_seconds=0.3, delivery_retry_max=0.5)


@pytest.fixture(autouse=True)
def _default_language():
    # a core sets the process's default language from its settings; no test may leave another behind
    yield
    set_default_language(DEFAULT_LANGUAGE)


@pytest.fixture
async def simulator():
    sim = Simulator(api_key=SIM_KEY, video_seconds=0.3)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def make_core(simulator, tmp_path):
    cores: list[Core] = []

    async def make(*, db_path: Path | None = None, timing: Timing = FAST,
                   clock: Callable[[], float] = time.time, **overrides) -> Core:
        settings = Settings(api_key=SIM_KEY, base_url=simulator.base_url, data_dir=tmp_path,
                            db_path=db_path or tmp_path / "reelbot.db", **overrides)
        core = await build_core(settings, timing=timing, clock=clock)
        cores.append(core)
        return core

    yield make
    for core in cores:
        await core.stop()


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class RecordingMessenger:
    """The messenger port's in-memory twin: records what the core asked it to show."""

    limit: int = 50 * 1024 * 1024
    acks: list = field(default_factory=list)
    progress_updates: list[tuple[str, Progress]] = field(default_factory=list)
    delivered: list[tuple[str, Result]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    fail_deliveries: int = 0  # raise on this many deliveries first

    async def acknowledge(self, job, ticket):
        self.acks.append((job.id, ticket))
        return {"status_message": f"msg-{job.id}"}

    async def progress(self, job, progress):
        self.progress_updates.append((job.id, progress))

    async def deliver(self, job, result):
        if self.fail_deliveries:
            self.fail_deliveries -= 1
            raise ConnectionError("platform unavailable")
        self.delivered.append((job.id, result))

    async def fail(self, job, reason):
        # as a real messenger does: the reason in the job's member's language
        self.failures.append((job.id, render(reason, job.requester.language)))

    def upload_limit(self, job):
        return self.limit

    def outcomes(self, job_id: str) -> int:
        return (sum(1 for j, _ in self.delivered if j == job_id)
                + sum(1 for j, _ in self.failures if j == job_id))
