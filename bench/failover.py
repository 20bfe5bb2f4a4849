"""What both cluster benchmarks measure around a SIGKILL, read from the shared database."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from bot.store.ledger import UNFINISHED

__all__ = ["all_at_302ai", "takeover", "counts_by"]


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
