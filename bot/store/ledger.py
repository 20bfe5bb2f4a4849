"""Credit movements. Each function runs inside the caller's transaction, so the ledger rows,
the usage counters and the jobs' states always change together."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from bot.jobs.model import Job
from bot.quota import Usage
from bot.store.rows import Rows, write_rows

__all__ = ["RESERVE", "COMMIT", "REFUND", "LEDGER_ROW", "ledger_row", "record", "usage", "spent", "in_flight",
           "scopes"]

RESERVE, COMMIT, REFUND = "reserve", "commit", "refund"
LEDGER_ROW = Rows("INSERT INTO ledger (job_id, user_key, chat_key, entry, amount, at) VALUES", "(?, ?, ?, ?, ?, ?)")
_USAGE_ROW = Rows("INSERT INTO usage (scope, day, spent) VALUES", "(?, ?, ?)",
                  " ON CONFLICT (scope, day) DO UPDATE SET spent = spent + excluded.spent")
_IN_FLIGHT_STATES = "('queued', 'running', 'ready')"
# Each query is a round trip to the database thread: ask about many keys at once, staying
# well below SQLite's limit of 32766 bound parameters.
_KEYS_PER_QUERY = 5000


def ledger_row(job: Job, entry: str, now: float) -> tuple:
    return (job.id, job.requester.user_key, job.requester.chat_key, entry, job.cost, now)


def scopes(job: Job) -> list[str]:
    """The usage counters a job's cost counts against."""
    names = [f"user:{job.requester.user_key}", "bot"]
    if job.requester.chat_key:
        names.append(f"chat:{job.requester.chat_key}")
    return names


async def record(conn: aiosqlite.Connection, jobs: Sequence[Job], entry: str, now: float) -> None:
    """Ledger rows for `jobs`; a reserve spends each job's day's credits and a refund returns them."""
    await write_rows(conn, LEDGER_ROW, [ledger_row(j, entry, now) for j in jobs])
    sign = {RESERVE: 1, REFUND: -1}.get(entry)
    if not sign:
        return
    deltas: Counter[tuple[str, str]] = Counter()
    for job in jobs:
        for scope in scopes(job):
            deltas[(scope, job.quota_day)] += sign * job.cost
    await write_rows(conn, _USAGE_ROW, [(scope, day, delta) for (scope, day), delta in deltas.items()])


async def spent(conn: aiosqlite.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Credits spent per (scope, day), for every pair asked about (0 where nothing was spent)."""
    keys = list(dict.fromkeys(keys))
    found = {key: 0 for key in keys}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start:start + _KEYS_PER_QUERY]
        sql = ("SELECT json_group_array(json_array(scope, day, spent)) FROM usage WHERE (scope, day) IN "
               "(VALUES " + ", ".join(["(?, ?)"] * len(chunk)) + ")")
        for scope, day, amount in await _one_json(conn, sql, [value for key in chunk for value in key]):
            found[(scope, day)] = amount
    return found


async def in_flight(conn: aiosqlite.Connection, user_keys: Iterable[str]) -> Counter[str]:
    keys = list(dict.fromkeys(user_keys))
    counts: Counter[str] = Counter()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start:start + _KEYS_PER_QUERY]
        sql = (f"SELECT json_group_object(user_key, n) FROM (SELECT user_key, COUNT(*) AS n FROM jobs "
               f"WHERE state IN {_IN_FLIGHT_STATES} AND user_key IN ({', '.join('?' * len(chunk))}) "
               "GROUP BY user_key)")
        counts.update(await _one_json(conn, sql, chunk))
    return counts


async def _one_json(conn: aiosqlite.Connection, sql: str, params: Sequence) -> Any:
    # One row of JSON, not one row per key: sqlite3 re-takes the GIL for every row it steps,
    # which costs up to a switch interval per row while the event loop is busy.
    [(payload,)] = await conn.execute_fetchall(sql, params)
    return json.loads(payload)


async def usage(conn: aiosqlite.Connection, user_key: str, chat_key: str | None, day: str) -> Usage:
    keys = [(f"user:{user_key}", day), (f"chat:{chat_key}", day), ("bot", day)]
    amounts = await spent(conn, keys)
    flying = await in_flight(conn, [user_key])
    return Usage(amounts[keys[0]], flying[user_key], amounts[keys[1]] if chat_key else 0, amounts[keys[2]])
