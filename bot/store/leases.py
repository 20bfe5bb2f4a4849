"""Which worker runs which job: a lease per unfinished job (`owner`, `lease_until`).

A worker renews the leases of its jobs while it lives; a job whose lease ran out (its
worker died, stalled or lost the database) is claimed by another. Claims are one statement
each: on PostgreSQL the candidates are locked with `FOR UPDATE SKIP LOCKED`, so two workers
claiming at once never take the same job and never wait for each other. The runner's moves
lock the same rows (`FOR UPDATE`, bot.store.transitions) while they check the owner: a claim
skips a job whose move is being written, and a move waits for a claim under way and then
sees the new owner, so a worker that lost a lease cannot move the job any more. Renewals and
releases lock their rows in the order of their ids, as moves do, so the two never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.job import Job
from bot.store.database import Database
from bot.store.jobs import job_from_row
from bot.store.ledger import UNFINISHED

__all__ = ["LeaseStore"]

_IDS_PER_QUERY = 5000
_HAIR = 0.001  # seconds


class LeaseStore:
    def __init__(self, db: Database, owner: str, lease: float):
        self._db, self.owner, self.lease = db, owner, lease

    def _locked(self, where: str, sets: str) -> str:
        """`UPDATE jobs SET sets WHERE where`; on PostgreSQL its rows locked in the order of
        their ids first, as moves lock them. (SQLite has one writer at a time, and the plain
        statement is the faster there.)"""
        if self._db.dialect != "postgres":
            return f"UPDATE jobs SET {sets} WHERE {where}"
        return f"UPDATE jobs SET {sets} WHERE id IN (SELECT id FROM jobs WHERE {where} ORDER BY id FOR UPDATE)"

    async def claim(self, now: float, platforms: Iterable[str], *, limit: int = 1000,
                    mine: bool = False, everything: bool = False, unowned: bool = False) -> list[Job]:
        """Take over up to `limit` unfinished jobs of `platforms` whose lease ran out (or
        that have none), oldest first; `mine`: also those still leased to this worker's name
        (a restart under the same REELBOT_WORKER_ID); `everything`: any job, for the one
        runner of a single-process store at its start; `unowned`: only jobs nobody holds (a
        front process's). Returns them, now leased to us."""
        platforms = sorted(set(platforms))
        if not platforms:
            return []
        # claimed leases run to `until`, a hair past now + lease, so `lease_until <= now +
        # lease` leaves out what this very claim took (its pages repeat it with the same now)
        until = now + self.lease + _HAIR
        if unowned:
            free, chosen = "owner IS NULL", []
        elif everything:
            free, chosen = "(owner IS NULL OR lease_until <= ?)", [now + self.lease]
        elif mine:
            free, chosen = ("(owner IS NULL OR lease_until < ? OR (owner = ? AND lease_until <= ?))",
                            [now, self.owner, now + self.lease])
        else:
            free, chosen = "(owner IS NULL OR lease_until < ?)", [now]
        lock = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgres" else ""
        sql = (f"UPDATE jobs SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM jobs WHERE {UNFINISHED} "
               f"AND platform IN ({', '.join('?' * len(platforms))}) AND {free} "
               f"ORDER BY created_at LIMIT ?{lock}) RETURNING *")
        params = [self.owner, until, *platforms, *chosen, limit]
        async with self._db.transaction(exclusive=False) as conn:
            rows = await conn.execute_fetchall(sql, params)
        return sorted((job_from_row(row) for row in rows), key=lambda job: job.created_at)

    async def renew(self, now: float, job_ids: Iterable[str]) -> int:
        """Extend this worker's leases of `job_ids` (the jobs it runs); returns how many.
        Only those: a job it owns but no longer runs is left to expire and be taken over."""
        ids, renewed = list(job_ids), 0
        async with self._db.transaction(exclusive=False) as conn:
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start:start + _IDS_PER_QUERY]
                cursor = await conn.execute(
                    self._locked(f"owner = ? AND id IN ({', '.join('?' * len(chunk))})", "lease_until = ?"),
                    (now + self.lease, self.owner, *chunk))
                renewed += cursor.rowcount
        return renewed

    async def release(self) -> int:
        """Give every lease back at once (a clean stop): other workers take the jobs over at
        their next look instead of after the lease time."""
        async with self._db.transaction(exclusive=False) as conn:
            cursor = await conn.execute(self._locked(f"owner = ? AND {UNFINISHED}", "lease_until = 0"), (self.owner,))
            return cursor.rowcount
