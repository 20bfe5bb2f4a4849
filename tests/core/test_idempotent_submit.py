"""A request keyed on a platform event makes one job, however often that event arrives."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, ledger_balances, request


async def started(make_core, **settings):
    core = await make_core(**settings)
    messenger = RecordingMessenger()
    core.register("test", messenger)
    await core.start()
    return core, messenger


async def job_count(core) -> int:
    row = await core._store._db.fetchone("SELECT COUNT(*) AS n FROM jobs")  # the table is the truth here
    return row["n"]


async def test_the_same_request_key_submitted_twice_makes_one_job_acknowledged_once(make_core):
    core, messenger = await started(make_core)
    keyed = replace(request("image", "a red fox"), request_key="telegram:update:41:1001:7")

    first = await core.submit(keyed)
    second = await core.submit(keyed)

    assert second.job_id == first.job_id
    assert await job_count(core) == 1
    assert len(messenger.acks) == 1
    await core.wait_idle()
    assert messenger.outcomes(first.job_id) == 1
    assert (await core.quota(ALICE)).used_today == 1
    assert await ledger_balances(core)


async def test_duplicates_in_one_reservation_batch_make_one_job_and_the_rest_of_the_batch_goes_on(make_core):
    core, messenger = await started(make_core, max_in_flight=50)
    keyed = replace(request("image", "a red fox"), request_key="telegram:update:42:1001:8")
    others = [replace(request("image", f"cat {i}"), request_key=f"telegram:update:{100 + i}:1001:{i}")
              for i in range(5)]

    tickets = await asyncio.gather(*(core.submit(r) for r in [keyed, *others, keyed, keyed]))

    assert len({t.job_id for t in tickets}) == 6
    assert await job_count(core) == 6
    assert len(messenger.acks) == 6
    await core.wait_idle()
    assert await ledger_balances(core)


async def test_requests_without_a_key_stay_distinct(make_core):
    core, _ = await started(make_core)

    first, second = await core.submit(request("image", "a fox")), await core.submit(request("image", "a fox"))

    assert first.job_id != second.job_id
    await core.wait_idle()


async def test_a_duplicate_of_a_job_never_acknowledged_is_acknowledged_then(make_core):
    # As after a crash between recording the job and telling the member: the replayed event
    # makes up for the missing reply, and still makes no second job.
    class FirstReplyLost(RecordingMessenger):
        async def acknowledge(self, job, ticket):
            if not self.acks and not getattr(self, "lost", False):
                self.lost = True
                raise ConnectionError("platform unavailable")
            return await super().acknowledge(job, ticket)

    core = await make_core()
    messenger = FirstReplyLost()
    core.register("test", messenger)
    await core.start()
    keyed = replace(request("image", "a red fox"), request_key="telegram:update:43:1001:9")

    first = await core.submit(keyed)
    await core.submit(keyed)
    await core.submit(keyed)

    assert [job_id for job_id, _ in messenger.acks] == [first.job_id]
    assert await job_count(core) == 1
    await core.wait_idle()
