"""The totals /metrics reads from the database (jobs by outcome, credits and spend moved), kept
so that a scrape costs what changed since the last one, not a scan of every job ever run.

- The ledger only grows: its sums by entry are carried forward from the last row seen (`id >
  ?`, a range of the primary key). On PostgreSQL a transaction still open on another worker
  may hold a lower id than one already committed, so rows are taken only once they are a few
  seconds old: the counters trail by that much instead of skipping a row for good.
- Jobs change state, but a job accepted on a day before the oldest one still in flight is
  finished for good: those days are counted once and kept, and each scrape reads only the
  days since (`quota_day >= ?`, the leading column of the jobs_by_day index).

The first scrape after a start reads the history once; Prometheus' `increase()` does not mind
where a counter starts.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Callable
from typing import Any

from bot.quota import quota_day
from bot.store.database import Database

__all__ = ["StoreTotals", "JOB_KEY", "IN_FLIGHT"]

JOB_KEY = ("command", "model", "platform")
IN_FLIGHT = ("queued", "submitting", "running", "ready")
_JOBS = ("SELECT command, model, platform, state, failure, quota_day, COUNT(*) AS n FROM jobs "
         "WHERE quota_day >= ? AND quota_day < ? GROUP BY command, model, platform, state, failure, quota_day")
_LAST_DAY = "9999-12-31"


class StoreTotals:
    def __init__(self, db: Database, reason_label: Callable[[str | None], str], *, settle_seconds: float | None = None,
                 clock: Callable[[], float] = time.time):
        self._db, self._reason, self._clock = db, reason_label, clock
        self._settle = (5.0 if db.dialect == "postgres" else 0.0) if settle_seconds is None else settle_seconds
        self._ledger_seen = 0
        self.ledger: Tally[str] = Tally()  # entry -> amount, since the first row
        self._closed_before = ""  # days before this one are finished and folded into `_closed`
        self._closed: Tally[tuple] = Tally()  # (command, model, platform, state, reason) -> jobs
        self.jobs: Tally[tuple] = Tally()  # the same, every day
        self.in_flight: dict[str, int] = dict.fromkeys(IN_FLIGHT, 0)
        self.today: dict[str, Any] = {}

    async def refresh(self) -> None:
        await self._read_ledger()
        await self._read_jobs()
        day = quota_day(self._clock())
        usage = await self._db.fetchall(
            "SELECT scope, spent FROM usage WHERE day = ? AND scope IN ('bot', 'spend')", (day,))
        credits = await self._db.fetchall(
            "SELECT entry, SUM(amount) AS s FROM ledger l JOIN jobs j ON j.id = l.job_id "
            "WHERE j.quota_day = ? GROUP BY entry", (day,))
        self.today = {"usage": {row["scope"]: row["spent"] for row in usage},
                      "credits": {row["entry"]: row["s"] or 0 for row in credits}}

    async def _read_ledger(self) -> None:
        if self._settle:  # up to the first row still inside the window, which the next read takes
            rows = await self._db.fetchall(
                "SELECT entry, SUM(amount) AS s, MAX(id) AS top FROM ledger WHERE id > ? AND id < COALESCE("
                "(SELECT MIN(id) FROM ledger WHERE id > ? AND at > ?), 9223372036854775807) GROUP BY entry",
                (self._ledger_seen, self._ledger_seen, self._clock() - self._settle))
        else:  # SQLite: one writer at a time, so ids become visible in order
            rows = await self._db.fetchall(
                "SELECT entry, SUM(amount) AS s, MAX(id) AS top FROM ledger WHERE id > ? GROUP BY entry",
                (self._ledger_seen,))
        for row in rows:
            self.ledger[row["entry"]] += row["s"] or 0
            self._ledger_seen = max(self._ledger_seen, row["top"])

    async def _read_jobs(self) -> None:
        today = quota_day(self._clock())
        # from the oldest day still open on: the days before it have no job in flight
        oldest = await self._db.fetchone(
            f"SELECT MIN(quota_day) AS day FROM jobs WHERE quota_day >= ? AND state IN {IN_FLIGHT!r}",
            (self._closed_before,))
        open_from = min(today, oldest["day"] or today) if oldest is not None else today
        if open_from > self._closed_before:  # days that finished since: counted once, for good
            for row in await self._db.fetchall(_JOBS, (self._closed_before, open_from)):
                self._closed[self._key(row)] += row["n"]
            self._closed_before = open_from
        live = Tally()
        self.in_flight = dict.fromkeys(IN_FLIGHT, 0)
        for row in await self._db.fetchall(_JOBS, (self._closed_before, _LAST_DAY)):
            live[self._key(row)] += row["n"]
            if row["state"] in self.in_flight:
                self.in_flight[row["state"]] += row["n"]
        self.jobs = self._closed + live

    def _key(self, row) -> tuple:
        reason = self._reason(row["failure"]) if row["state"] == "failed" else ""
        return row["command"], row["model"], row["platform"], row["state"], reason
