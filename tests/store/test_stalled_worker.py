"""A worker that stalled past its lease, on both backends: while another worker's claim of
its job is being written, the stalled worker's move waits for that claim and is then refused
(LeaseLost). It never lands after the takeover: no paid call sent for a job another worker
runs, no refund of a job another worker will deliver."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

import pytest

from bot.domain.job import JobState
from bot.errors import LeaseLost
from bot.store.leases import LeaseStore
from tests.conftest import RecordingMessenger
from tests.core.helpers import ledger_balances, request


class HeldOpen:
    """The database, with each transaction held open once its statements are written, until
    `commit` is set: a claim written but not yet committed."""

    def __init__(self, db):
        self._db, self.dialect = db, db.dialect
        self.written, self.commit = asyncio.Event(), asyncio.Event()

    @asynccontextmanager
    async def transaction(self, *, exclusive: bool = True):
        async with self._db.transaction(exclusive=exclusive) as conn:
            yield conn
            self.written.set()
            await self.commit.wait()


async def waiting_on_a_row_lock(db, move: asyncio.Task) -> None:
    """Until `move` waits for the row the uncommitted claim holds (PostgreSQL); SQLite has one
    writer at a time, so there the move cannot read before the claim commits in any case."""
    if db.dialect != "postgres":
        return
    deadline = asyncio.get_running_loop().time() + 10.0
    while not (await db.fetchone("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND datname = current_database()"))["n"]:
        assert not move.done(), "the move ended without waiting for the claim's row"
        assert asyncio.get_running_loop().time() < deadline, "the move never waited for the claim"
        await asyncio.sleep(0.01)


MOVES = {
    "the paid call's claim": lambda store, job: store.claim(job),
    "a refund": lambda store, job: store.refund(job, "late", time.time()),
}


@pytest.mark.parametrize("move", MOVES.values(), ids=list(MOVES))
async def test_a_stalled_workers_move_is_refused_once_another_worker_has_claimed_its_job(make_core, backend, move):
    core = await make_core(**backend)
    core.register("test", RecordingMessenger())
    await core.start()
    await core.stop_jobs()  # this worker holds the job and has stalled: the test moves it by hand
    store = core._store
    job = await store.job((await core.submit(request("video", "stalled"))).job_id)
    held = HeldOpen(store.db)
    takeover = asyncio.create_task(LeaseStore(held, "worker-b", lease=30.0).claim(job.created_at + 3600, ["test"]))
    await held.written.wait()
    late = asyncio.create_task(move(store, job))
    await waiting_on_a_row_lock(store.db, late)
    held.commit.set()
    assert [j.id for j in await takeover] == [job.id]
    with pytest.raises(LeaseLost):
        await late
    row = await store.db.fetchone("SELECT state, owner FROM jobs WHERE id = ?", (job.id,))
    assert (row["state"], row["owner"]) == (JobState.QUEUED, "worker-b")
    assert await ledger_balances(core)
