"""Group commit for reservations.

Every accepted request must be on disk before the member hears "queued", and SQLite does
one write transaction at a time. Requests that arrive while a transaction is running wait
for the next one and are reserved together: the quota checks still happen one by one,
inside BEGIN IMMEDIATE, against the totals the earlier requests of the batch left, so the
result is exactly that of running them in turn — at a fraction of the round trips.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import aiosqlite

from bot.domain.job import Job
from bot.errors import AlreadyAccepted, QuotaExceeded
from bot.quota import Limits, Usage
from bot.store import ledger
from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.store.rows import Rows, write_rows

__all__ = ["ReservationQueue"]

MAX_BATCH = 5000
_USER_ROW = Rows("INSERT INTO users (user_key, platform, user_id, name, first_seen, last_seen) VALUES",
                 "(?, ?, ?, ?, ?, ?)",
                 " ON CONFLICT (user_key) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen")
# the title a chat's latest request showed: the console names chats by it (migration 17)
_TITLE_ROW = Rows("INSERT INTO chat_titles (chat_key, title, seen_at) VALUES", "(?, ?, ?)",
                  " ON CONFLICT (chat_key) DO UPDATE SET title = excluded.title, seen_at = excluded.seen_at")
_IMAGE_SQL = "INSERT INTO job_images (job_id, mime, data) VALUES (?, ?, ?)"
_INPUT_SQL = "INSERT INTO job_inputs (job_id, role, mime, data) VALUES (?, ?, ?, ?)"


@dataclass(frozen=True)
class _Request:
    job: Job
    image: tuple[str, bytes] | None
    limits: Limits
    now: float
    inputs: Mapping[str, tuple[str, bytes]] | None = None  # the last frame, a video: by name


class ReservationQueue(GroupCommit[_Request, Usage]):
    max_batch = MAX_BATCH
    what = "reservations"

    def __init__(self, db: Database, insert_jobs):
        super().__init__()
        self._db = db
        self._insert_jobs = insert_jobs  # (conn, jobs) -> None, from the job store

    async def reserve(self, job: Job, image: tuple[str, bytes] | None, limits: Limits, now: float, *,
                      inputs: Mapping[str, tuple[str, bytes]] | None = None) -> Usage:
        return await self.submit(_Request(job, image, limits, now, inputs))

    async def write(self, batch: list[_Request]) -> list[Usage | Exception]:
        return await self._reserve(batch)

    async def _reserve(self, batch: list[_Request]) -> list[Usage | Exception]:
        async with self._db.transaction() as conn:
            totals = await ledger.spent(conn, [(s, p.job.quota_day) for p in batch
                                               for s in (*ledger.member_scopes(p.job), ledger.BOT)])
            flying = await ledger.in_flight(conn, [p.job.requester.user_key for p in batch])
            # A job id derived from a request key may exist already (a redelivered event):
            # that one request is answered "already accepted", the rest of the batch goes on.
            taken = await _existing(conn, [p.job.id for p in batch])
            wallets = await ledger.wallets(conn, [p.job.requester.user_key for p in batch])
            outcomes: list[Usage | Exception] = []
            accepted: list[_Request] = []
            for item in batch:
                job, day = item.job, item.job.quota_day
                if job.id in taken:
                    outcomes.append(AlreadyAccepted(job.id))
                    continue
                user, chat = job.requester.user_key, job.requester.chat_key
                before = Usage(totals[(f"user:{user}", day)], flying[user],
                               totals[(f"chat:{chat}", day)] if chat else 0, totals[(ledger.BOT, day)])
                try:
                    from_wallet = item.limits.check(before, job.price, job.cost_mptc, item.now, wallets[user])
                except QuotaExceeded as refusal:
                    outcomes.append(refusal)
                    continue
                for scope in ledger.member_scopes(job):
                    totals[(scope, day)] += job.price
                totals[(ledger.BOT, day)] += job.cost_mptc
                totals[(f"user:{user}", day)] -= from_wallet  # purchased credits are not the day's
                wallets[user] -= from_wallet
                flying[user] += 1
                taken.add(job.id)
                if from_wallet:
                    item = replace(item, job=replace(job, from_wallet=from_wallet))
                accepted.append(item)
                outcomes.append(Usage(totals[(f"user:{user}", day)], before.in_flight + 1,
                                      before.chat_spent + job.price, before.bot_held_mptc + job.cost_mptc,
                                      purchased=wallets[user], from_wallet=from_wallet))
            if accepted:
                await self._write(conn, accepted)
        return outcomes

    async def _write(self, conn: aiosqlite.Connection, accepted: list[_Request]) -> None:
        latest, titles = {}, {}
        for item in accepted:
            r = item.job.requester
            latest[r.user_key] = (r.user_key, r.platform, r.user_id, r.name, item.now, item.now)
            if r.chat_key and r.chat_title:
                titles[r.chat_key] = (r.chat_key, r.chat_title[:200], item.now)
        await write_rows(conn, _USER_ROW, list(latest.values()))
        if titles:
            await write_rows(conn, _TITLE_ROW, list(titles.values()))
        jobs = [item.job for item in accepted]
        await self._insert_jobs(conn, jobs)
        images = [(item.job.id, *item.image) for item in accepted if item.image is not None]
        if images:
            # one statement each: a multi-row statement of 20 MB images would be gigabytes
            await conn.executemany(_IMAGE_SQL, images)
        inputs = [(item.job.id, name, *value) for item in accepted for name, value in (item.inputs or {}).items()]
        if inputs:
            await conn.executemany(_INPUT_SQL, inputs)
        await ledger.reserve(conn, jobs, accepted[0].now)



async def _existing(conn: aiosqlite.Connection, ids: list[str]) -> set[str]:
    rows = await conn.execute_fetchall(f"SELECT id FROM jobs WHERE id IN ({', '.join('?' * len(ids))})", ids)
    return {row[0] for row in rows}
