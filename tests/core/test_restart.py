"""Nothing is lost across a stop: a fresh core on the same database finishes every job, once."""

from __future__ import annotations

import asyncio

from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import ALICE, ledger_balances, request


async def test_video_stopped_mid_poll_is_delivered_once_after_restart(make_core, simulator, tmp_path):
    simulator.configure(video_seconds=1.0)
    db = tmp_path / "shared.db"
    first_messenger = RecordingMessenger()
    first = await make_core(db_path=db)
    first.register("test", first_messenger)
    ticket = await first.submit(request("video", "a cat surfing"))
    await wait_for(lambda: any(p.stage == "submitted" for _, p in first_messenger.progress_updates),
                   what="submission")
    await first.stop()
    assert not first_messenger.delivered

    second_messenger = RecordingMessenger()
    second = await make_core(db_path=db)
    second.register("test", second_messenger)
    await second.start()
    await second.wait_idle()

    assert [j for j, _ in second_messenger.delivered] == [ticket.job_id]
    submissions = [r for r in simulator.requests if r["path"].endswith("/video_generation")
                   and r["method"] == "POST"]
    assert len(submissions) == 1  # resumed from its task id, not submitted again
    assert (await second.quota(ALICE)).used_today == 5
    assert await ledger_balances(second)


async def test_job_stopped_before_submission_is_submitted_after_restart(make_core, simulator, tmp_path):
    db = tmp_path / "shared.db"
    simulator.configure(fault="slow=1")  # the first core stops before its answer comes
    first = await make_core(db_path=db)
    first.register("test", RecordingMessenger())
    ticket = await first.submit(request("image", "a fox"))
    await wait_for(lambda: len(simulator.requests) == 1, what="the request")
    await first.stop()
    assert (await first_job_state(tmp_path, db, make_core, ticket.job_id)) == "queued"

    simulator.configure(fault=None)
    messenger = RecordingMessenger()
    second = await make_core(db_path=db)
    second.register("test", messenger)
    await second.start()
    await second.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]
    assert await ledger_balances(second)


async def first_job_state(tmp_path, db, make_core, job_id):
    peek = await make_core(db_path=db)
    return (await peek.job(job_id)).state


async def test_failure_not_yet_told_is_told_after_restart(make_core, tmp_path):
    db = tmp_path / "shared.db"

    class Unreachable(RecordingMessenger):
        async def fail(self, job, reason):
            raise ConnectionError("platform down")

    first = await make_core(db_path=db)
    first.register("test", Unreachable())
    ticket = await first.submit(request("video", "a cat [sim:fail]"))
    await first.wait_idle()
    await first.stop()

    messenger = RecordingMessenger()
    second = await make_core(db_path=db)
    second.register("test", messenger)
    await second.start()
    await second.wait_idle()
    assert [j for j, _ in messenger.failures] == [ticket.job_id]
    assert (await second.quota(ALICE)).used_today == 0


async def test_many_jobs_survive_a_restart_each_ending_exactly_once(make_core, simulator, tmp_path):
    simulator.configure(video_seconds=0.8)
    db = tmp_path / "shared.db"
    first = await make_core(db_path=db, daily_credits=1000, max_in_flight=100)
    first.register("test", RecordingMessenger())
    tickets = await asyncio.gather(*(first.submit(request("video", f"cat {i}" + (" [sim:fail]" if i % 4 == 0
                                                                                   else "")))
                                     for i in range(20)))
    await first.stop()

    messenger = RecordingMessenger()
    second = await make_core(db_path=db, daily_credits=1000, max_in_flight=100)
    second.register("test", messenger)
    await second.start()
    await second.wait_idle()
    assert all(messenger.outcomes(t.job_id) == 1 for t in tickets)
    assert len(messenger.failures) == 5
    assert await ledger_balances(second)
