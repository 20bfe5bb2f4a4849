"""Jobs on disk: the reservation that creates them, every state change, and the two endings."""

from __future__ import annotations

import functools
import json
from dataclasses import replace

import aiosqlite

from bot.catalog import Command
from bot.commands import Requester
from bot.jobs.model import IN_FLIGHT, Job, JobState
from bot.quota import Limits, Usage
from bot.store import ledger
from bot.store.database import Database
from bot.store.reservations import ReservationQueue
from bot.store.rows import Rows, update_from_values, write_rows
from bot.store.writer import BatchWriter

__all__ = ["JobStore"]

_COLUMNS = ("id", "user_key", "platform", "user_id", "chat_id", "user_name", "command", "model", "prompt",
            "options", "destination", "cost", "quota_day", "state", "has_image", "task_id", "file_id",
            "result_url", "failure", "notified", "created_at", "deadline_at", "submitted_at", "ready_at", "finished_at")
_JOB_ROW = Rows(f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES", f"({', '.join('?' * len(_COLUMNS))})")
# fields a running job may change, and how each is stored
_MUTABLE = {"state": str, "task_id": None, "file_id": None, "result_url": None, "failure": None,
            "notified": int, "submitted_at": None, "ready_at": None, "finished_at": None, "destination": json.dumps}


@functools.cache
def _update_shape(columns: tuple[str, ...]) -> Rows:
    return update_from_values("jobs", "id", columns)


def _row(job: Job) -> tuple:
    r = job.requester
    return (job.id, r.user_key, r.platform, r.user_id, r.chat_id, r.name, str(job.command), job.model,
            job.prompt, json.dumps(job.options), json.dumps(job.destination), job.cost, job.quota_day,
            str(job.state), int(job.has_image), job.task_id, job.file_id, job.result_url, job.failure,
            int(job.notified), job.created_at, job.deadline_at, job.submitted_at, job.ready_at, job.finished_at)


def _job(row: aiosqlite.Row) -> Job:
    return Job(
        id=row["id"],
        requester=Requester(row["platform"], row["user_id"], row["chat_id"], row["user_name"]),
        command=Command(row["command"]), model=row["model"], prompt=row["prompt"],
        options=json.loads(row["options"]), destination=json.loads(row["destination"]),
        cost=row["cost"], state=JobState(row["state"]), created_at=row["created_at"],
        deadline_at=row["deadline_at"], quota_day=row["quota_day"], has_image=bool(row["has_image"]),
        task_id=row["task_id"], file_id=row["file_id"], result_url=row["result_url"],
        failure=row["failure"], notified=bool(row["notified"]), submitted_at=row["submitted_at"],
        ready_at=row["ready_at"], finished_at=row["finished_at"])


class JobStore:
    def __init__(self, db: Database):
        self._db = db
        self._reservations = ReservationQueue(db, self._insert)
        self._writer = BatchWriter(db)

    async def reserve(self, job: Job, image: tuple[str, bytes] | None, limits: Limits, now: float) -> Usage:
        """Check the quota and, in the same transaction, record the job and reserve its cost.
        Returns the usage after the reservation. Raises QuotaExceeded and records nothing."""
        return await self._reservations.reserve(job, image, limits, now)

    @staticmethod
    async def _insert(conn: aiosqlite.Connection, jobs: list[Job]) -> None:
        await write_rows(conn, _JOB_ROW, [_row(job) for job in jobs])

    async def update(self, job: Job, **changes) -> Job:
        values = [_MUTABLE[name](value) if _MUTABLE[name] and value is not None else value
                  for name, value in changes.items()]
        await self._writer.write((_update_shape(tuple(changes)), (job.id, *values)))
        return replace(job, **changes)

    async def deliver(self, job: Job, now: float) -> Job:
        """The result is in the chat: commit the reservation and close the job, together."""
        await self._writer.write(
            (ledger.LEDGER_ROW, ledger.ledger_row(job, ledger.COMMIT, now)),
            (_update_shape(("state", "finished_at", "notified")), (job.id, str(JobState.DELIVERED), now, 1)))
        return replace(job, state=JobState.DELIVERED, finished_at=now, notified=True)

    async def refund(self, job: Job, reason: str, now: float) -> Job:
        """Give the credits back and record why; the member is told afterwards (`notified`)."""
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT * FROM jobs WHERE id = ?", (job.id,)) as cur:
                stored = _job(await cur.fetchone())
            if stored.state not in IN_FLIGHT:
                # Already settled, possibly by another runner: never refund twice.
                return stored
            await ledger.record(conn, [job], ledger.REFUND, now)
            await conn.execute("UPDATE jobs SET state = ?, failure = ?, finished_at = ? WHERE id = ?",
                               (str(JobState.FAILED), reason, now, job.id))
        return replace(job, state=JobState.FAILED, failure=reason, finished_at=now)

    async def job(self, job_id: str) -> Job | None:
        row = await self._db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    async def image(self, job_id: str) -> tuple[str, bytes] | None:
        row = await self._db.fetchone("SELECT mime, data FROM job_images WHERE job_id = ?", (job_id,))
        return (row["mime"], bytes(row["data"])) if row else None

    async def unfinished(self) -> list[Job]:
        """Jobs a runner must carry on: in flight, or failed without the member being told."""
        rows = await self._db.fetchall(
            "SELECT * FROM jobs WHERE state IN ('queued', 'running', 'ready') "
            "OR (state = 'failed' AND notified = 0) ORDER BY created_at")
        return [_job(row) for row in rows]

    async def usage(self, requester: Requester, day: str) -> Usage:
        async with self._db.connection() as conn:
            return await ledger.usage(conn, requester.user_key, requester.chat_key, day)

    async def recent_durations(self, model: str, limit: int = 20) -> list[float]:
        rows = await self._db.fetchall(
            "SELECT ready_at - submitted_at AS took FROM jobs WHERE model = ? AND state = 'delivered' "
            "AND submitted_at IS NOT NULL AND ready_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            (model, limit))
        return [row["took"] for row in rows]
