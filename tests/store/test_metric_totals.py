"""The totals /metrics shows are read from what changed, not from every job ever run: after
the first scrape each query the refresh makes is an index search (SQLite's query plan says
so), and a finished day keeps being counted without being read again."""

from __future__ import annotations

import sqlite3

import pytest

from bot.config import Settings
from bot.metric_totals import StoreTotals
from bot.metrics import reason_label
from bot.store.opening import open_store

DAY = 86_400.0
NOW = 1_790_000_000.0  # some afternoon, UTC


class Recording:
    """The database, with every query it is asked kept."""

    def __init__(self, db):
        self._db, self.dialect, self.queries = db, db.dialect, []

    async def fetchall(self, sql, params=()):
        self.queries.append((sql, params))
        return await self._db.fetchall(sql, params)

    async def fetchone(self, sql, params=()):
        self.queries.append((sql, params))
        return await self._db.fetchone(sql, params)


def add_job(path, job_id: str, day: str, state: str) -> None:
    with sqlite3.connect(path) as con:
        con.execute("INSERT OR IGNORE INTO users VALUES ('telegram:1', 'telegram', '1', 'ann', 0, 0)")
        con.execute("INSERT INTO jobs (id, user_key, platform, user_id, command, model, prompt, options, destination,"
                    " price, quota_day, state, created_at, deadline_at) VALUES (?, 'telegram:1', 'telegram', '1', "
                    "'image', 'm', '', '{}', '{}', 100, ?, ?, 0, 0)", (job_id, day, state))
        con.execute("INSERT INTO ledger (job_id, user_key, entry, amount, at) VALUES (?, 'telegram:1', 'reserve', 5, 0)",
                    (job_id,))


@pytest.mark.sqlite_only  # SQLite's query plan
async def test_after_the_first_scrape_every_query_is_an_index_search_and_old_days_stay_counted(tmp_path):
    path = tmp_path / "reelbot.db"
    opened = await open_store(Settings(db_path=path))
    try:
        add_job(path, "old-1", "2026-09-01", "delivered")
        add_job(path, "old-2", "2026-09-01", "failed")
        add_job(path, "today-1", "2026-09-21", "running")
        db = Recording(opened.db)
        totals = StoreTotals(db, reason_label, clock=lambda: NOW)
        await totals.refresh()
        add_job(path, "today-2", "2026-09-21", "delivered")
        db.queries.clear()

        await totals.refresh()

        with sqlite3.connect(path) as con:
            plans = {sql: " / ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {sql}", params))
                     for sql, params in db.queries}
    finally:
        await opened.close()
    assert plans and all("SCAN jobs" not in plan and "SCAN ledger" not in plan and "SCAN l" not in plan
                         for plan in plans.values()), plans
    assert all(params[:1] != ("",) for _, params in db.queries)  # no read from the first day on
    assert totals.ledger["reserve"] == 20
    by_state = {state: n for (_, _, _, state, _), n in totals.jobs.items() for _ in [0]}
    assert sum(totals.jobs.values()) == 4 and by_state["running"] == 1 and totals.in_flight["running"] == 1


async def insert(db, job_id: str, day: str, state: str, entries: dict[str, int], at: float) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (user_key, platform, user_id, name, first_seen, last_seen) VALUES "
                         "('telegram:1', 'telegram', '1', 'ann', 0, 0) ON CONFLICT (user_key) DO NOTHING")
        await tx.execute("INSERT INTO jobs (id, user_key, platform, user_id, command, model, prompt, options, "
                         "destination, price, quota_day, state, created_at, deadline_at) VALUES (?, 'telegram:1', "
                         "'telegram', '1', 'video', 'T2V-01', '', '{}', '{}', 5, ?, ?, 0, 0)", (job_id, day, state))
        for entry, amount in entries.items():
            await tx.execute("INSERT INTO ledger (job_id, user_key, entry, amount, at) VALUES (?, 'telegram:1', ?, ?, ?)",
                             (job_id, entry, amount, at))


async def test_ledger_counters_take_a_row_once_it_has_settled_and_never_twice(tmp_path, backend):
    opened = await open_store(Settings(db_path=tmp_path / "reelbot.db", **backend))
    now = [NOW]
    try:
        totals = StoreTotals(opened.db, reason_label, settle_seconds=5, clock=lambda: now[0])
        await insert(opened.db, "a", "2026-09-21", "delivered", {"reserve": 5, "commit": 5, "spend": 500}, at=NOW - 60)
        await insert(opened.db, "b", "2026-09-21", "failed", {"reserve": 5, "refund": 5}, at=NOW)
        await totals.refresh()
        settled = dict(totals.ledger)
        now[0] = NOW + 10
        await totals.refresh()
        await totals.refresh()
    finally:
        await opened.close()
    assert settled == {"reserve": 5, "commit": 5, "spend": 500}  # b's rows were too young to be sure of
    assert dict(totals.ledger) == {"reserve": 10, "commit": 5, "spend": 500, "refund": 5}
    assert sum(totals.jobs.values()) == 2
