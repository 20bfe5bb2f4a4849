"""Nothing is lost across a stop: a fresh core on the same database finishes every job, once."""

from __future__ import annotations

import asyncio
import time

from bot.ai302.client import Ai302Client
from tests.conftest import SIM_KEY, RecordingMessenger, wait_for
from tests.core.helpers import until_finished
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


async def test_a_stop_waits_for_the_paid_call_under_way_and_the_restart_delivers_it(make_core, simulator,
                                                                                  tmp_path):
    db = tmp_path / "shared.db"
    simulator.configure(fault="slow=1")  # the stop comes before the answer does
    first = await make_core(db_path=db)
    first.register("test", RecordingMessenger())
    ticket = await first.submit(request("image", "a fox"))
    await wait_for(lambda: len(simulator.requests) == 1, what="the request")
    await first.stop()
    assert (await peek_job(make_core, db, ticket.job_id)).state == "ready"  # not cut off, not paid again

    simulator.configure(fault=None)
    messenger = RecordingMessenger()
    second = await make_core(db_path=db)
    second.register("test", messenger)
    await second.start()
    await second.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]
    assert len(simulator.billed) == 1
    assert await ledger_balances(second)


async def peek_job(make_core, db, job_id):
    core = await make_core(db_path=db)
    try:
        return await core.job(job_id)
    finally:
        await core.stop()  # it holds the database's lock



async def test_failure_not_yet_told_is_told_after_restart(make_core, tmp_path):
    db = tmp_path / "shared.db"

    class Unreachable(RecordingMessenger):
        tries = 0

        async def fail(self, job, reason):
            self.tries += 1
            raise ConnectionError("platform down")

    first = await make_core(db_path=db)
    unreachable = Unreachable()
    first.register("test", unreachable)
    ticket = await first.submit(request("video", "a cat [sim:fail]"))
    await wait_for(lambda: unreachable.tries >= 2, what="a retried notice")
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
    assert len(simulator.billed) == 20  # each paid once, whenever the stop came
    assert await ledger_balances(second)


async def test_video_resumed_after_its_deadline_is_still_delivered_when_it_finished(make_core, simulator,
                                                                                    tmp_path):
    now = [time.time()]
    db = tmp_path / "shared.db"
    first_messenger = RecordingMessenger()
    first = await make_core(db_path=db, clock=lambda: now[0], video_deadline=60)
    first.register("test", first_messenger)
    ticket = await first.submit(request("video", "a cat surfing"))
    await wait_for(lambda: any(p.stage == "submitted" for _, p in first_messenger.progress_updates),
                   what="submission")
    await first.stop()
    job = await peek_job(make_core, db, ticket.job_id)
    async with Ai302Client(simulator.base_url, SIM_KEY) as client:
        await until_finished(client, job.task_id)  # 302.AI finished while the bot was down

    now[0] += 3600  # … for an hour
    messenger = RecordingMessenger()
    second = await make_core(db_path=db, clock=lambda: now[0], video_deadline=60)
    second.register("test", messenger)
    await second.start()
    await second.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures


async def test_cancelled_submitter_still_gets_its_job_run(make_core):
    messenger = RecordingMessenger()
    core = await make_core()
    core.register("test", messenger)
    submitting = asyncio.create_task(core.submit(request("image", "a fox")))
    reservations = core._store._reservations
    for _ in range(10_000):  # each turn of the loop: the request reaches the reservation queue
        if reservations._pending or reservations._flusher:
            break
        await asyncio.sleep(0)
    submitting.cancel()
    await wait_for(lambda: messenger.delivered, what="the delivery")
    assert (await core.quota(ALICE)).used_today == 1
