"""Credit movements. Each function runs inside the caller's transaction, so the ledger row,
the usage counters and the job's state always change together."""

from __future__ import annotations

import aiosqlite

from bot.jobs.model import Job
from bot.quota import Usage

__all__ = ["RESERVE", "COMMIT", "REFUND", "record", "usage"]

RESERVE, COMMIT, REFUND = "reserve", "commit", "refund"


def _scopes(job: Job) -> list[str]:
    scopes = [f"user:{job.requester.user_key}", "bot"]
    if job.requester.chat_key:
        scopes.append(f"chat:{job.requester.chat_key}")
    return scopes


async def record(conn: aiosqlite.Connection, job: Job, entry: str, now: float) -> None:
    """Write one ledger row; a reserve spends the job's day's credits and a refund returns them."""
    await conn.execute(
        "INSERT INTO ledger (job_id, user_key, chat_key, entry, amount, at) VALUES (?, ?, ?, ?, ?, ?)",
        (job.id, job.requester.user_key, job.requester.chat_key, entry, job.cost, now))
    delta = {RESERVE: job.cost, REFUND: -job.cost}.get(entry)
    if delta:
        await conn.executemany(
            "INSERT INTO usage (scope, day, spent) VALUES (?, ?, ?) "
            "ON CONFLICT (scope, day) DO UPDATE SET spent = spent + excluded.spent",
            [(scope, job.quota_day, delta) for scope in _scopes(job)])


async def usage(conn: aiosqlite.Connection, user_key: str, chat_key: str | None, day: str) -> Usage:
    sql = """
        SELECT
          (SELECT spent FROM usage WHERE scope = ? AND day = ?),
          (SELECT COUNT(*) FROM jobs WHERE user_key = ? AND state IN ('queued', 'running', 'ready')),
          (SELECT spent FROM usage WHERE scope = ? AND day = ?),
          (SELECT spent FROM usage WHERE scope = 'bot' AND day = ?)
    """
    params = (f"user:{user_key}", day, user_key, f"chat:{chat_key}", day, day)
    async with conn.execute(sql, params) as cur:
        user_spent, in_flight, chat_spent, bot_spent = await cur.fetchone()
    return Usage(user_spent or 0, in_flight, chat_spent or 0, bot_spent or 0)
