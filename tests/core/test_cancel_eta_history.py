"""Cancel (money back, nothing sent), ETA and place in line, and /jobs with fetching a result again."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.domain.requests import Requester
from bot.errors import UserError
from bot.history import URL_LIFETIME, job_line
from bot.jobs.cancel import CANCELLED
from bot.jobs.durations import Durations
from bot.jobs.eta import eta_text, position_text
from bot.domain.job import JobState
from tests.conftest import FAST, RecordingMessenger, wait_for
from tests.core.helpers import ALICE, BOB, ledger_balances, request
from tests.media import is_mp4, is_png


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
async def core(make_core, messenger, backend):  # on both stores: cancel and history are money and queries
    core = await make_core(max_concurrent_requests=1, max_in_flight=50, daily_credits=500, **backend)
    core.register("test", messenger)
    await core.start()
    return core


def slots(core):
    return core._runner._ctx.slots  # the runner's 302.AI request slots, held by a test to make a line


def positions(messenger, job_id):
    return [p.position for j, p in messenger.progress_updates if j == job_id and p.position is not None]


async def ledger_entries(core, job_id):
    rows = await core._store.db.fetchall("SELECT entry FROM ledger WHERE job_id = ? ORDER BY id", (job_id,))
    return [row["entry"] for row in rows]


# -- cancel -----------------------------------------------------------------------------------------


async def test_a_job_waiting_in_line_is_cancelled_refunded_and_never_sent(core, messenger, simulator):
    await slots(core).acquire()  # every slot busy: the jobs wait in line
    first = await core.submit(request("image", "a red fox"))
    second = await core.submit(request("image", "a blue fox"))
    await wait_for(lambda: positions(messenger, second.job_id) == [2], what="the second job in line at 2")

    cancelled = await core.cancel(first.job_id, ALICE)

    assert cancelled.state is JobState.FAILED and cancelled.failure == CANCELLED and cancelled.notified
    await wait_for(lambda: positions(messenger, second.job_id) == [2, 1], what="the line to move up")
    slots(core).release()
    await core.wait_idle()
    assert [b["prompt"] for b in simulator.billed] == ["a blue fox"]
    assert await ledger_entries(core, first.job_id) == ["reserve", "refund"]  # no spend row
    assert messenger.failures == []  # the answer to the press is the member's one notice
    assert (await core.quota(ALICE)).used_today == 1 and await ledger_balances(core)


async def test_after_submission_cancel_says_302ai_started_and_billed_it(core, messenger):
    ticket = await core.submit(request("video", "a cat surfing"))
    await wait_for(lambda: any(p.stage == "submitted" for j, p in messenger.progress_updates), what="submission")

    with pytest.raises(UserError, match="already started this job, and billed it"):
        await core.cancel(ticket.job_id, ALICE)
    await core.wait_idle()
    assert (await core.job(ticket.job_id)).state is JobState.DELIVERED


async def test_only_the_member_or_an_admin_may_cancel(core):
    await slots(core).acquire()
    ticket = await core.submit(request("image", "a red fox"))
    with pytest.raises(UserError, match="only your own"):
        await core.cancel(ticket.job_id, BOB)
    admin = Requester("test", "root", is_admin=True)
    assert (await core.cancel(ticket.job_id, admin)).state is JobState.FAILED
    with pytest.raises(UserError, match="already cancelled"):
        await core.cancel(ticket.job_id, ALICE)
    slots(core).release()


async def test_cancel_and_claim_race_one_wins_and_the_money_follows(core):
    await slots(core).acquire()  # keep the runner out: the test plays both sides
    jobs = [await core.submit(request("image", f"fox {i}")) for i in range(20)]
    store = core._store
    for ticket in jobs:
        job = await store.job(ticket.job_id)
        claimed, cancelled = await asyncio.gather(store.claim(job), store.cancel(job, CANCELLED, 1.0))
        assert (claimed is None) != (cancelled is None), "exactly one of claim and cancel may happen"
        if claimed is not None:  # the runner would now send it: a refund of a claimed job counts spend
            await store.refund(claimed, "test", 2.0)
    await core._runner.stop()
    slots(core).release()
    assert await ledger_balances(core)


async def test_cancel_racing_the_runner_never_bills_a_cancelled_job(core, simulator):
    tickets = [await core.submit(request("image", f"fox {i}")) for i in range(12)]
    outcomes = await asyncio.gather(*(core.cancel(t.job_id, ALICE) for t in tickets), return_exceptions=True)
    await core.wait_idle()
    billed = {b["prompt"] for b in simulator.billed}
    for i, (ticket, outcome) in enumerate(zip(tickets, outcomes)):
        job = await core.job(ticket.job_id)
        if isinstance(outcome, UserError):
            assert job.state is JobState.DELIVERED and f"fox {i}" in billed
        else:
            assert job.failure == CANCELLED and f"fox {i}" not in billed
            assert await ledger_entries(core, ticket.job_id) == ["reserve", "refund"]
    assert await ledger_balances(core)


# -- ETA --------------------------------------------------------------------------------------------


def test_eta_reads_as_whole_minutes():
    assert str(eta_text((90, 230))) == "Ready in about 2–4 min."
    assert str(eta_text((170, 180))) == "Ready in about 3 min."
    assert str(eta_text((5, 40))) == "Ready in under a minute."
    assert str(eta_text((0, 0))) == "Ready any moment now."
    assert str(position_text(3)) == "Waiting for a free 302.AI slot: number 3 in line."


class _Finishes:
    def __init__(self, durations):
        self.durations = durations

    async def recent_durations(self, model, limit):
        return self.durations


async def test_estimate_is_the_learned_p50_to_p90_else_the_models_expected_time(core):
    model = core.catalog.get("T2V-01")
    learned = Durations(_Finishes([100, 110, 120, 130, 140, 150, 160, 170, 180, 300]), None)
    p50, p90 = await learned.estimate(model)
    assert p50 == 145 and 180 <= p90 <= 300
    assert await Durations(_Finishes([100, 120]), None).estimate(model) == (model.typical_seconds,) * 2


async def test_progress_carries_the_estimate(make_core, messenger):
    core = await make_core(timing=replace(FAST, expected_seconds=None))
    core.register("test", messenger)
    await core.start()
    ticket = await core.submit(request("video", "a cat surfing"))

    def submitted():
        return [p for j, p in messenger.progress_updates if j == ticket.job_id and p.stage == "submitted"]
    await wait_for(submitted, what="the submitted update")  # the first poll would be minutes away
    typical = core.catalog.get("T2V-01").typical_seconds
    [submitted] = submitted()
    assert submitted.eta is not None and typical - 5 < submitted.eta[1] <= typical


# -- /jobs and fetching again -------------------------------------------------------------------------


async def test_jobs_lists_the_members_last_ten_newest_first(core, simulator):
    for i in range(12):
        await core.submit(request("image", f"fox {i}"))
    await core.submit(request("image", "not mine", who=BOB))
    await core.wait_idle()
    jobs = await core.jobs(ALICE)
    assert [j.prompt for j in jobs] == [f"fox {i}" for i in range(11, 1, -1)]
    line = str(job_line(1, jobs[0], jobs[0].created_at + 7200))
    assert line == "1. image · minimaxi-image-01 · delivered · 1 credit · 2 h ago"


async def test_a_delivered_image_and_video_are_fetched_again_for_free(core, simulator):
    image = await core.submit(request("image", "a red fox"))
    video = await core.submit(request("video", "a cat surfing"))
    await core.wait_idle()
    ledger_before = await core._store.db.fetchone("SELECT count(*) AS n FROM ledger")
    retrieves = sum(r["path"].endswith("/files/retrieve") for r in simulator.requests)

    again = await core.refetch(image.job_id, ALICE, 10 * 1024 * 1024)
    clip = await core.refetch(video.job_id, ALICE, 10 * 1024 * 1024)

    assert is_png(again.data) and is_mp4(clip.data)
    assert sum(r["path"].endswith("/files/retrieve") for r in simulator.requests) == retrieves + 1
    assert (await core._store.db.fetchone("SELECT count(*) AS n FROM ledger"))["n"] == ledger_before["n"]
    assert len(await core.jobs(ALICE)) == 2


async def test_fetching_someone_elses_or_an_expired_result_is_refused(core, simulator):
    image = await core.submit(request("image", "a red fox"))
    video = await core.submit(request("video", "a cat surfing"))
    await core.wait_idle()
    with pytest.raises(UserError, match="only your own"):
        await core.refetch(image.job_id, BOB, 1 << 20)

    simulator.expire_files()
    with pytest.raises(UserError, match="expired"):
        await core.refetch(video.job_id, ALICE, 1 << 20)
    with pytest.raises(UserError, match="expired"):
        await core.refetch(image.job_id, ALICE, 1 << 20)


async def test_an_image_older_than_its_urls_life_is_expired_without_asking(core, simulator):
    ticket = await core.submit(request("image", "a red fox"))
    await core.wait_idle()
    job = await core.job(ticket.job_id)
    async with core._store.db.transaction() as conn:  # as if it had been made nine hours ago
        await conn.execute("UPDATE jobs SET ready_at = ? WHERE id = ?", (job.ready_at - URL_LIFETIME, job.id))
    asked = len(simulator.requests)
    with pytest.raises(UserError, match="expired"):
        await core.refetch(ticket.job_id, ALICE, 1 << 20)
    assert len(simulator.requests) == asked
