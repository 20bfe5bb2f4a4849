"""Jobs on disk: the reservation that creates them, every state change, and the two endings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import aiosqlite

from bot.domain import moves
from bot.domain.job import Job, JobState
from bot.domain.moves import MoneyRule, Move
from bot.domain.requests import Command, Requester
from bot.i18n import Text, dumps, loads
from bot.quota import Limits, Usage
from bot.store import ledger
from bot.store.database import Database
from bot.store.reservations import ReservationQueue
from bot.store.rows import Rows, write_rows
from bot.store.transitions import Transition, TransitionWriter

__all__ = ["JobStore", "job_from_row"]

_COLUMNS = ("id", "user_key", "platform", "user_id", "chat_id", "user_name", "language", "command", "model", "prompt",
            "options", "destination", "price", "cost_mptc", "quota_day", "state", "has_image", "task_id", "file_id",
            "result_url", "failure", "notified", "posting", "from_wallet", "created_at", "deadline_at", "submitted_at", "ready_at", "finished_at",
            "owner", "lease_until", "inputs", "result_urls")
_JOB_ROW = Rows(f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES", f"({', '.join('?' * len(_COLUMNS))})")
def _urls(urls) -> str | None:
    """A multi-picture answer's URLs as stored (a JSON list); NULL for a single result."""
    return json.dumps(list(urls)) if urls else None


# fields a running job may change, and how each is stored
_MUTABLE = {"state": str, "task_id": None, "file_id": None, "result_url": None, "result_urls": _urls, "failure": dumps,
            "notified": int, "posting": int, "submitted_at": None, "ready_at": None, "finished_at": None, "destination": json.dumps}


def _row(job: Job, owner: str | None, lease_until: float | None) -> tuple:
    r = job.requester
    return (job.id, r.user_key, r.platform, r.user_id, r.chat_id, r.name, r.language, str(job.command), job.model,
            job.prompt, json.dumps(job.options), json.dumps(job.destination), job.price, job.cost_mptc, job.quota_day,
            str(job.state), int(job.has_image), job.task_id, job.file_id, job.result_url, dumps(job.failure),
            int(job.notified), int(job.posting), job.from_wallet, job.created_at, job.deadline_at, job.submitted_at, job.ready_at, job.finished_at,
            owner, lease_until, ",".join(job.inputs), _urls(job.result_urls))


def job_from_row(row: aiosqlite.Row) -> Job:
    return Job(
        id=row["id"],
        requester=Requester(row["platform"], row["user_id"], row["chat_id"], row["user_name"],
                            language=row["language"]),
        command=Command(row["command"]), model=row["model"], prompt=row["prompt"],
        options=json.loads(row["options"]), destination=json.loads(row["destination"]),
        price=row["price"], cost_mptc=row["cost_mptc"], state=JobState(row["state"]), created_at=row["created_at"],
        deadline_at=row["deadline_at"], quota_day=row["quota_day"], has_image=bool(row["has_image"]),
        task_id=row["task_id"], file_id=row["file_id"], result_url=row["result_url"],
        failure=loads(row["failure"]), notified=bool(row["notified"]), posting=bool(row["posting"]), from_wallet=row["from_wallet"], submitted_at=row["submitted_at"],
        ready_at=row["ready_at"], finished_at=row["finished_at"],
        inputs=tuple(filter(None, (row["inputs"] or "").split(","))),
        result_urls=tuple(json.loads(row["result_urls"])) if row["result_urls"] else ())


def _stored(changes: dict[str, Any]) -> dict[str, Any]:
    return {name: _MUTABLE[name](value) if _MUTABLE[name] and value is not None else value
            for name, value in changes.items()}


# The states each move may leave for a caller whose copy shows a state, worked out once
# rather than per call: thousands of moves wait for the writer at once, each holding its set.
_LEAVES: dict[tuple[str, JobState], frozenset[JobState]] = {
    (move.name, seen): move.leaves & {seen} if move.from_seen else move.leaves
    for move in moves.MOVES for seen in JobState}


class JobStore:
    """Every method that moves a job returns the moved job, or None when the stored job was
    no longer in a state it may leave (another runner, or an earlier try, got there first).

    `owner` names this worker: jobs it accepts are leased to it for `lease` seconds, and the
    runner's moves happen only while it still owns the job (else LeaseLost). None: no leases
    (a store used without a runner)."""

    def __init__(self, db: Database, *, owner: str | None = None, lease: float = 30.0):
        self._db = db
        self.db = db  # for read-only reports (bot.admin)
        self.owner, self.lease = owner, lease
        self._reservations = ReservationQueue(db, self._insert)
        self._writer = TransitionWriter(db)

    async def reserve(self, job: Job, image: tuple[str, bytes] | None, limits: Limits, now: float, *,
                      inputs: Mapping[str, tuple[str, bytes]] | None = None) -> Usage:
        """Check the quota and, in the same transaction, record the job (with its first image and
        its other `inputs`, by name: bot.domain.job.Job.inputs), reserve its price and hold its
        cost against the bot-wide ceiling.
        Returns the usage after the reservation. Raises QuotaExceeded and records nothing."""
        return await self._reservations.reserve(job, image, limits, now, inputs=inputs)

    async def _insert(self, conn: aiosqlite.Connection, jobs: list[Job]) -> None:
        await write_rows(conn, _JOB_ROW, [_row(job, self.owner, job.created_at + self.lease if self.owner else None)
                                          for job in jobs])

    async def move(self, job: Job, move: Move, now: float | None = None, **changes) -> Job | None:
        """Make `move` (bot.domain.moves) with `changes`: one conditional transition, from a
        state the move leaves (the caller's `job.state` only, for a move `from_seen`), with
        the ledger rows of its money rule for the state it actually left, in the same
        transaction; `now` dates them. The moved job, or None when the stored job was in no
        state the move leaves. Raises LeaseLost when another worker holds the job, unless
        the move is `any_owner`."""
        if now is None and any(rule is not MoneyRule.NONE for rule in move.money.values()):
            raise ValueError(f"the move {move.name} writes ledger rows: say when (now)")
        leaves = _LEAVES[move.name, job.state]
        if move.enters is not None:
            changes["state"] = move.enters
        transition = Transition(job.id, leaves, _stored(changes),
                                lambda left: ledger.money_for(move.money[left], job, now),
                                None if move.any_owner else self.owner)
        left = await self._writer.apply(transition)
        return None if left is None else replace(job, **changes)

    # The moves the runner makes, by name, with the fields each sets.

    async def update(self, job: Job, **changes) -> Job:
        """Change fields other than the state while the job is in flight (destination, URL)."""
        return await self.move(job, moves.UPDATE, **changes) or job

    async def claim(self, job: Job) -> Job | None:
        return await self.move(job, moves.CLAIM)

    async def unclaim(self, job: Job) -> Job | None:
        return await self.move(job, moves.UNCLAIM)

    async def accepted(self, job: Job, now: float, **changes) -> Job | None:
        """302.AI took, and billed, the call: a video's task id, or an image's `result_url`."""
        move = moves.ACCEPT_IMAGE if "result_url" in changes else moves.ACCEPT_TASK
        return await self.move(job, move, now, submitted_at=now, **changes)

    async def ready(self, job: Job, file_id: str | None, url: str, now: float, *,
                    urls: tuple[str, ...] = ()) -> Job | None:
        """`urls`: every picture when 302.AI's answer named several (kept with the job, so a
        restart delivers them all); one result is `url` alone."""
        several = {"result_urls": tuple(urls)} if len(urls) > 1 else {}
        return await self.move(job, moves.READY, now, file_id=file_id, result_url=url, ready_at=now, **several)

    async def mark_posting(self, job: Job) -> Job | None:
        """Stored before a result (or a failure notice) is posted, so that a restart knows to
        look before posting it again."""
        return await self.move(job, moves.MARK_POSTING, posting=True)

    async def deliver(self, job: Job, now: float) -> Job | None:
        return await self.move(job, moves.DELIVER, now, finished_at=now, notified=True)

    async def refund(self, job: Job, reason: Text | str, now: float, *, refused: bool = False) -> Job | None:
        """`job.state` → failed, the reason kept for the notice; `refused`: 302.AI said no to
        the paid call, so it did not bill it."""
        return await self.move(job, moves.REFUND_REFUSED if refused else moves.REFUND, now,
                               failure=reason, finished_at=now, posting=False)

    async def cancel(self, job: Job, reason: str, now: float) -> Job | None:
        """At the member's request; the answer to their press is their notice (`notified`), so
        no failure notice follows. None once the job has left `queued`."""
        return await self.move(job, moves.CANCEL, now, failure=reason, finished_at=now, posting=False, notified=True)

    async def mark_notified(self, job: Job) -> Job | None:
        return await self.move(job, moves.MARK_NOTIFIED, notified=True)

    async def job(self, job_id: str) -> Job | None:
        row = await self._db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return job_from_row(row) if row else None

    async def image(self, job_id: str) -> tuple[str, bytes] | None:
        row = await self._db.fetchone("SELECT mime, data FROM job_images WHERE job_id = ?", (job_id,))
        return (row["mime"], bytes(row["data"])) if row else None

    async def inputs(self, job_id: str) -> dict[str, tuple[str, bytes]]:
        """The job's inputs besides its first image, by name: (mime, bytes)."""
        rows = await self._db.fetchall("SELECT role, mime, data FROM job_inputs WHERE job_id = ?", (job_id,))
        return {row["role"]: (row["mime"], bytes(row["data"])) for row in rows}

    async def unfinished(self) -> list[Job]:
        """Jobs a runner must carry on: in flight, or failed without the member being told."""
        rows = await self._db.fetchall(f"SELECT * FROM jobs WHERE {ledger.UNFINISHED} ORDER BY created_at")
        return [job_from_row(row) for row in rows]

    async def in_state(self, state: JobState) -> list[Job]:
        rows = await self._db.fetchall("SELECT * FROM jobs WHERE state = ? ORDER BY created_at", (str(state),))
        return [job_from_row(row) for row in rows]

    async def usage(self, requester: Requester, day: str) -> Usage:
        async with self._db.connection() as conn:
            return await ledger.usage(conn, requester.user_key, requester.chat_key, day)

    async def operator_spend(self, day: str) -> int:
        """mPTC 302.AI billed (or may have) for jobs reserved on `day`."""
        async with self._db.connection() as conn:
            return (await ledger.spent(conn, [(ledger.OPERATOR, day)]))[(ledger.OPERATOR, day)]

    async def recent(self, user_key: str, limit: int = 10) -> list[Job]:
        """A member's newest jobs first (index jobs_by_user)."""
        rows = await self._db.fetchall(
            "SELECT * FROM jobs WHERE user_key = ? ORDER BY created_at DESC, id DESC LIMIT ?", (user_key, limit))
        return [job_from_row(row) for row in rows]

    async def recent_durations(self, model: str, limit: int = 20) -> list[float]:
        rows = await self._db.fetchall(
            "SELECT ready_at - submitted_at AS took FROM jobs WHERE model = ? AND state = 'delivered' "
            "AND submitted_at IS NOT NULL AND ready_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            (model, limit))
        return [row["took"] for row in rows]
