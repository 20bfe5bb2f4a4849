"""Group commit for the job runner's state changes, each one conditional.

Every move of a job (bot.domain.moves) is a transition: it happens only if the job is still
in a state the move leaves and still held by the worker making it, and its ledger rows are
written in the same transaction, only when it happened. Its caller learns which. So a
delivery, a refund or a submission can happen once, or not at all, even when two runners or
a stale copy of a job try it.

The check and the write are one read and one write under one lock: SQLite's write lock
(BEGIN IMMEDIATE), and on PostgreSQL the rows' own locks too (`SELECT … FOR UPDATE`), which
lease claims take as well (bot.store.leases). Without them a claim could move the lease
between the read and the write, and a worker that stalled past its lease would make its
move after another had taken the job over.

Thousands of jobs in flight each write a few times; one transaction per write would make
the database the bottleneck. Transitions that arrive while a transaction runs go together
into the next one, as one multi-row statement per shape (bot.store.rows). When a batch fails
(a value SQLite cannot store, a full disk), each of its transitions is tried alone, so one
bad row fails only itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.domain.job import JobState
from bot.errors import LeaseLost
from bot.store import ledger
from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.store.ledger import Money
from bot.store.rows import Rows, update_from_values, write_rows

__all__ = ["Transition", "TransitionWriter"]


@functools.cache
def _update_shape(columns: tuple[str, ...]) -> Rows:
    return update_from_values("jobs", "id", columns)


def _no_money(_left: JobState) -> Money:
    return Money()


@dataclass(frozen=True)
class Transition:
    """Move job `job_id` from one of `leaves` with `columns` set (stored form; `state` among
    them to change the state). `money(left)` gives the ledger rows for
    the state actually left. `owner`: only if that worker still holds the job's lease
    (None: whoever does — a member cancelling, a field that is not the runner's)."""

    job_id: str
    leaves: frozenset[JobState]
    columns: Mapping[str, Any]
    money: Callable[[JobState], Money] = _no_money
    owner: str | None = None


class TransitionWriter(GroupCommit[Transition, "JobState | None"]):
    """Outcomes: the state left, None (not in a state it may leave), or LeaseLost (another
    worker owns the job now), each for its own transition only."""

    what = "job writes"

    def __init__(self, db: Database):
        super().__init__()
        self._db = db

    async def apply(self, transition: Transition) -> JobState | None:
        """Apply it in a transaction (possibly with others); the state it left, or None if
        the job was not in a state it may leave (nothing changed then). Raises LeaseLost
        when `transition.owner` no longer owns the job."""
        return await self.submit(transition)

    def next_batch(self, pending):
        """At most one transition per job in a batch: two rows for one job in a multi-row
        UPDATE would apply in no defined order."""
        batch, later, seen = [], [], set()
        for item in pending:
            job_id = item.item.job_id
            if job_id in seen or len(batch) >= self.max_batch:
                later.append(item)
            else:
                seen.add(job_id)
                batch.append(item)
        return batch, later

    async def write(self, batch: list[Transition]) -> list[JobState | None | Exception]:
        async with self._db.transaction() as conn:
            states, owners = await _states(conn, {t.job_id for t in batch})
            outcomes: list[JobState | None | Exception] = []
            updates: dict[tuple[str, ...], list[tuple]] = {}
            money = Money()
            for t in batch:
                left = states.get(t.job_id)
                if left is not None and t.owner is not None and owners[t.job_id] != t.owner:
                    outcomes.append(LeaseLost(t.job_id, owners[t.job_id]))
                    continue
                if left is None or left not in t.leaves:
                    outcomes.append(None)
                    continue
                outcomes.append(left)
                if "state" in t.columns:
                    states[t.job_id] = JobState(t.columns["state"])
                names = tuple(t.columns)
                updates.setdefault(names, []).append((t.job_id, *t.columns.values()))
                money.add(t.money(left))
            for names, rows in updates.items():
                await write_rows(conn, _update_shape(names), rows)
            await ledger.apply(conn, money)
        return outcomes


async def _states(conn: aiosqlite.Connection, ids: set[str]) -> tuple[dict[str, JobState], dict[str, str | None]]:
    """Each job's state and the worker that owns it; on PostgreSQL the rows stay locked until
    the transaction ends (in the order of their ids, as every locking statement takes them),
    so no claim can change an owner after it was read."""
    states: dict[str, JobState] = {}
    owners: dict[str, str | None] = {}
    ordered = sorted(ids)
    lock = " ORDER BY id FOR UPDATE" if getattr(conn, "dialect", "sqlite") == "postgres" else ""
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start:start + 5000]
        sql = ("SELECT json_group_object(id, json_array(state, owner)) FROM (SELECT id, state, owner FROM jobs "
               f"WHERE id IN ({', '.join('?' * len(chunk))}){lock}) AS locked")
        for job_id, (state, owner) in (await ledger.one_json(conn, sql, chunk)).items():
            states[job_id], owners[job_id] = JobState(state), owner
    return states, owners

