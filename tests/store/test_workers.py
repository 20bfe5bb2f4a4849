"""Several worker processes on one PostgreSQL store: SIGKILL one in the middle of its jobs and
another takes them over when the lease runs out. Every job ends once (posted once or
refunded), 302.AI is paid at most once per job, and the ledgers balance."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.ai302.simulator import Simulator
from bot.config import Settings
from bot.store.jobs import JobStore
from bot.store.opening import open_store
from bot.store.audit import ledger_problems
from tests.conftest import SIM_KEY

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0


@pytest.fixture
async def slow_simulator():
    sim = Simulator(api_key=SIM_KEY, video_seconds=3.0, image_seconds=0.2)
    await sim.start()
    yield sim
    await sim.stop()


async def worker(tmp_path: Path, sim: Simulator, url: str, name: str, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.core.bot_process", "--db", str(tmp_path / f"{name}.db"), "--sim",
        sim.base_url, "--key", SIM_KEY, "--posts", str(tmp_path / "posts.log"), "--database-url", url,
        "--worker-id", name, "--lease", str(LEASE), "--stay", *extra,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


async def finished(store: JobStore, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await store.unfinished():
        assert loop.time() < deadline, "jobs left unfinished"
        await asyncio.sleep(0.2)


async def test_a_killed_workers_jobs_are_taken_over_and_each_ends_once(tmp_path, slow_simulator, pg_url):
    sim = slow_simulator
    a = await worker(tmp_path, sim, pg_url, "a", "--submit", "60", "--seed", "3")
    b = await worker(tmp_path, sim, pg_url, "b", "--submit", "0")
    try:
        assert (await asyncio.wait_for(a.stdout.readline(), 60)).startswith(b"submitted")
        a.send_signal(signal.SIGKILL)  # videos are still being made, images being posted
        await a.wait()
        opened = await open_store(Settings(database_url=pg_url))
        try:
            store = JobStore(opened.db)
            await finished(store, timeout=60)
            rows = await opened.db.fetchall("SELECT id, state, owner FROM jobs")
            assert len(rows) == 60
            assert {r["owner"] for r in rows} <= {"a", "b"} and any(r["owner"] == "b" for r in rows)
            assert not await ledger_problems(opened.db)
        finally:
            await opened.close()
    finally:
        for process in (a, b):
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
    posts = Counter(line.split()[1] for line in (tmp_path / "posts.log").read_text().splitlines())
    assert len(posts) == 60 and set(posts.values()) == {1}  # every job posted (or refused) once
    per_prompt = Counter(b["prompt"] for b in sim.billed)
    assert all(n == 1 for n in per_prompt.values())  # nothing paid twice


async def test_fifty_requests_from_one_member_over_three_workers_with_credit_for_three_accept_three(
        tmp_path, slow_simulator, pg_url):
    go_at = f"{time.time() + 3.0:.3f}"  # all three submit at the same moment, once started
    workers = [await worker(tmp_path, slow_simulator, pg_url, name, "--submit", str(n), "--first", str(first),
                            "--only", "image", "--member", "mallory", "--daily", "3", "--faults", "0",
                            "--go-at", go_at)
               for name, n, first in (("a", 17, 0), ("b", 17, 17), ("c", 16, 34))]
    try:
        lines = [await asyncio.wait_for(w.stdout.readline(), 60) for w in workers]
    finally:
        for w in workers:
            w.send_signal(signal.SIGKILL)
            await w.wait()
    accepted = [int(line.split()[3]) for line in lines]
    assert sum(accepted) == 3, lines
