"""What both cluster benchmarks share: the servers they start, and what they measure around a
SIGKILL (read from the shared database and the simulator's billing)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from bench.simproc import start_simulator
from bot.store.ledger import UNFINISHED
from tests.pg import PgCluster

__all__ = ["servers", "all_at_302ai", "takeover", "counts_by", "billed_videos"]


@contextmanager
def servers(key: str, video_seconds: float) -> Iterator[tuple[PgCluster, str]]:
    """PostgreSQL (pgserver) and the 302.AI simulator in its own process, stopped after."""
    pg = PgCluster()
    sim_proc, sim = start_simulator(key, video_seconds, "--image-seconds", "0.2")
    try:
        yield pg, sim
    finally:
        sim_proc.terminate()
        sim_proc.wait()
        pg.stop()


def billed_videos(sim: str) -> Counter[str]:
    """Paid video calls 302.AI (the simulator) carried out, per prompt."""
    with urllib.request.urlopen(f"{sim}/_sim/billing") as reply:  # loopback: the simulator
        return Counter(b["prompt"] for b in json.load(reply) if b["kind"] == "video")


async def all_at_302ai(db) -> None:
    """Wait until no job is queued or being submitted: a kill then cuts no paid call."""
    while (await db.fetchone("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'submitting')"))["n"]:
        await asyncio.sleep(0.1)


async def takeover(db, owner: str, killed: float) -> tuple[int, float, float]:
    """After `owner` was killed at `killed` (monotonic): how many unfinished jobs it left, the
    seconds until the others had claimed all of them, and until every job had ended."""
    orphans = await _unfinished(db, "owner = ?", (owner,))
    while await _unfinished(db, "owner = ?", (owner,)):
        await asyncio.sleep(0.1)
    claimed = time.monotonic() - killed
    while await _unfinished(db, "TRUE", ()):
        await asyncio.sleep(0.5)
    return orphans, claimed, time.monotonic() - killed


async def counts_by(db, column: str) -> dict:
    """How many jobs have each value of `column` (state, owner)."""
    return dict(Counter(r[column] for r in await db.fetchall(f"SELECT {column} FROM jobs")))


async def _unfinished(db, where: str, params: tuple) -> int:
    return (await db.fetchone(f"SELECT COUNT(*) AS n FROM jobs WHERE {where} AND {UNFINISHED}", params))["n"]
