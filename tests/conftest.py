"""Shared fixtures: the 302.AI simulator on loopback and a core factory pointed at it."""

from __future__ import annotations

import asyncio
import os
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
from bot.bootstrap import bootstrap
from tests.pg import PgCluster

SIM_KEY = "sk-test-0123456789abcdef"

# Short waits everywhere: the simulator's videos take well under a second in tests.
FAST = Timing(min_poll_interval=0.05, max_poll_interval=0.5, retry_base=0.05, retry_max=0.5,
              expected_seconds=0.3, delivery_retry_max=0.5, position_after=0.0, position_every=0.0,
              fetching_after=0.0)


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


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REELBOT_TEST_STORE") == "postgres":
        skip = pytest.mark.skip(reason="about the SQLite file; REELBOT_TEST_STORE=postgres")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh PostgreSQL database for this test."""
    return pg_cluster.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request) -> dict:
    """Settings overrides that select each store in turn: tests that take this fixture run
    once on SQLite and once on PostgreSQL (the store's contract)."""
    if request.param == "sqlite":
        return {}
    return {"database_url": request.getfixturevalue("pg_url")}


@pytest.fixture
async def make_core(simulator, tmp_path, request):
    cores: list[Core] = []
    # REELBOT_TEST_STORE=postgres runs every core test on PostgreSQL (the contract tests in
    # tests/store run on both in any case)
    if os.environ.get("REELBOT_TEST_STORE") == "postgres":
        defaults = {"database_url": request.getfixturevalue("pg_url")}
    else:
        defaults = {}

    async def make(*, db_path: Path | None = None, timing: Timing = FAST,
                   clock: Callable[[], float] = time.time, runs_jobs: bool = True, **overrides) -> Core:
        overrides = {**defaults, **overrides}
        settings = Settings(api_key=SIM_KEY, base_url=simulator.base_url, data_dir=tmp_path,
                            db_path=db_path or tmp_path / "reelbot.db", **overrides)
        core = await bootstrap(settings, timing=timing, clock=clock, runs_jobs=runs_jobs)
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
