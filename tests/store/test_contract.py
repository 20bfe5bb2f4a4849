"""The store's contract, run on both backends (SQLite and PostgreSQL) with the same tests:
a job's whole life, reservations and ceilings under concurrency, conditional transitions,
the ledger's balance, leases, and the operators' reports."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.domain.job import JobState
from bot.domain.requests import Requester
from bot.errors import LeaseLost, QuotaExceeded
from bot.store.leases import LeaseStore
from bot.store.posts import Posts
from bot.store.statuses import PendingStatuses
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, BOB, ledger_balances, request

ADMIN = Requester("test", "root", chat_id="chat-1", name="Root", is_admin=True)


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
async def core(make_core, backend, messenger):
    core = await make_core(**backend)
    core.register("test", messenger)
    await core.start()
    return core


async def test_a_video_and_an_image_are_delivered_and_charged(core, messenger, simulator):
    video = await core.submit(request("video", "a cat surfing"))
    image = await core.submit(request("image", "a red fox", who=BOB))
    await core.wait_idle()
    assert sorted(job for job, _ in messenger.delivered) == sorted([video.job_id, image.job_id])
    assert (await core.quota(ALICE)).used_today == video.price
    assert (await core.operator_spend()).mptc == sum(core.catalog.get(t.model).cost_mptc for t in (video, image))
    assert len(simulator.billed) == 2
    assert await ledger_balances(core)


async def test_fifty_concurrent_requests_with_credit_for_three_accept_exactly_three(make_core, backend, messenger):
    core = await make_core(daily_credits=3 * 5, max_in_flight=100, prices={"T2V-01": 5}, **backend)
    core.register("test", messenger)
    await core.start()
    outcomes = await asyncio.gather(*(core.submit(request("video", f"take {n}", model="T2V-01"))
                                      for n in range(50)), return_exceptions=True)
    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, QuotaExceeded)]
    assert len(accepted) == 3 and len(refused) == 47
    await core.wait_idle()
    assert len(messenger.delivered) == 3
    assert (await core.quota(ALICE)).used_today == 15
    assert await ledger_balances(core)


async def test_the_bot_wide_ceiling_holds_across_members(make_core, backend, messenger):
    core = await make_core(bot_daily_mptc=1000, prices={"T2V-01": 5}, **backend)
    core.register("test", messenger)
    await core.start()
    who = [ALICE, BOB, ALICE.__class__("test", "carol", chat_id="chat-2", name="Carol")]
    outcomes = await asyncio.gather(*(core.submit(request("video", "x", who=w, model="T2V-01")) for w in who),
                                    return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 2
    await core.wait_idle()
    assert await ledger_balances(core)


async def test_a_transition_happens_once_and_a_refund_gives_the_credits_back(core, messenger):
    await core.stop_jobs()  # keep the job queued: the test moves it by hand
    ticket = await core.submit(request("video", "a slow one"))
    store = core._store
    job = await store.job(ticket.job_id)
    claimed = await store.claim(job)
    assert claimed is not None and await store.claim(job) is None  # the second claim finds it taken
    refunded = await store.refund(claimed, "test", 1.0, refused=True)
    assert refunded.state is JobState.FAILED and await store.refund(claimed, "test", 2.0) is None
    assert (await core.quota(ALICE)).used_today == 0
    assert await ledger_balances(core)


async def test_a_worker_that_lost_its_lease_cannot_move_the_job(core):
    await core.stop_jobs()
    ticket = await core.submit(request("video", "taken over"))
    store = core._store
    job = await store.job(ticket.job_id)
    other = LeaseStore(store.db, "worker-b", lease=30.0)
    assert [j.id for j in await other.claim(job.created_at + 3600, ["test"])] == [job.id]  # ours ran out
    with pytest.raises(LeaseLost):
        await store.claim(job)
    assert (await store.job(job.id)).state is JobState.QUEUED


async def test_two_workers_claiming_at_once_share_the_jobs_without_overlap(core):
    await core.stop_jobs()
    tickets = [await core.submit(request("image", f"n{n}", who=ALICE.__class__("test", f"u{n}", chat_id="c")))
               for n in range(40)]
    jobs = [await core._store.job(t.job_id) for t in tickets]
    later = max(job.created_at for job in jobs) + 3600
    a, b = (LeaseStore(core._store.db, name, lease=30.0) for name in ("a", "b"))
    got_a, got_b = await asyncio.gather(a.claim(later, ["test"], limit=25), b.claim(later, ["test"], limit=25))
    ids_a, ids_b = {j.id for j in got_a}, {j.id for j in got_b}
    assert not ids_a & ids_b and len(ids_a | ids_b) == 40
    assert await a.renew(later, ids_a | ids_b) == len(ids_a)  # only its own
    assert not await b.claim(later + 1, ["test"])  # nothing has run out yet


async def test_the_operator_reports_and_controls_work_alike(core, messenger):
    ticket = await core.submit(request("video", "for the report"))
    await core.submit(request("image", "and another", who=BOB))
    await core.wait_idle()
    await core.admin.ban(ADMIN, "test:mallory", "spam")
    await core.admin.grant(ADMIN, ALICE.user_key, 7, "birthday")
    report = await core.admin.usage(ADMIN, "7d")
    assert report.by_user[0] == (ALICE.user_key, ticket.price, 1)
    assert report.members_credits == ticket.price + (await core.quota(BOB)).used_today
    assert report.operator_mptc == (await core.operator_spend()).mptc == 500 + 100  # a video, an image
    assert [a[2] for a in report.audit] == ["grant", "ban"]
    assert ticket.job_id in await core.admin.jobs(ADMIN)
    with pytest.raises(QuotaExceeded):
        await core.submit(request("image", "banned", who=Requester("test", "mallory", chat_id="chat-1")))
    assert (await core.quota(ALICE)).credits_left == core.limits.daily_credits + 7 - ticket.price
    assert await ledger_balances(core)


@pytest.mark.parametrize("same_name", [True, False])
async def test_a_restarted_worker_resumes_the_unfinished_jobs(make_core, backend, messenger, same_name):
    now = [1_800_000_000.0]
    first = await make_core(worker_id="a", clock=lambda: now[0], **backend)
    first.register("test", RecordingMessenger())
    await first.start()
    await first.stop_jobs()  # accepted, never run: as if the process died
    ticket = await first.submit(request("image", "resume me"))
    await first.stop()
    # the same name takes its jobs back at once; another name once their lease ran out
    # (SQLite has one process at a time, so there the next start takes everything)
    now[0] += 0 if same_name else 31
    second = await make_core(worker_id="a" if same_name else "b", clock=lambda: now[0], **backend)
    second.register("test", messenger)
    await second.start()
    await second.wait_idle()
    assert [job for job, _ in messenger.delivered] == [ticket.job_id]
    assert await ledger_balances(second)


async def test_a_front_stores_jobs_that_a_worker_beside_it_runs(make_core, backend, messenger):
    worker = await make_core(worker_id="w", lease_seconds=4.0, **backend)
    worker.register("test", messenger)
    await worker.start()
    front = await make_core(runs_jobs=False, worker_id="f", max_in_flight=5, **backend)  # SQLite: no file lock
    front.register("test", RecordingMessenger())
    await front.start()
    tickets = [await front.submit(request("image", f"from the front {n}")) for n in range(3)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while len(messenger.delivered) < 3:  # the worker's next look claims them
        assert loop.time() < deadline, "the worker never ran the front's jobs"
        await asyncio.sleep(0.05)
    await worker.wait_idle()
    assert sorted(job for job, _ in messenger.delivered) == sorted(t.job_id for t in tickets)
    assert await ledger_balances(worker)


async def test_a_result_message_names_its_job_until_it_is_posted_again(core):
    posts = Posts(core._store.db)
    await posts.remember("telegram", "-100", "7", "job-a")
    await posts.remember("telegram", "-100", "7", "job-b")  # the same message shows another job now
    assert await posts.job_for("telegram", "-100", "7") == "job-b"
    assert await posts.job_for("telegram", "-100", "8") is None


async def test_results_remembered_at_once_are_each_stored_and_the_last_for_a_message_wins(core):
    posts = Posts(core._store.db)
    await asyncio.gather(*(posts.remember("telegram", "-100", str(n), f"job-{n}") for n in range(50)),
                         posts.remember("telegram", "-100", "7", "job-again"))  # a re-post in the same batch
    assert [await posts.job_for("telegram", "-100", str(n)) for n in (0, 49)] == ["job-0", "job-49"]
    assert await posts.job_for("telegram", "-100", "7") == "job-again"


async def test_a_promised_status_text_is_kept_until_settled_and_a_newer_one_replaces_it(core):
    clock = [1000.0]
    statuses = PendingStatuses(core._store.db, lambda: clock[0])
    await statuses.promise("telegram", "-100", "7", "❌ failed", until=5000.0)
    await statuses.promise("telegram", "-100", "7", "✅ done", until=6000.0)  # the newer one wins
    await statuses.promise("telegram", "-100", "8", "✖ cancelled", until=2000.0)
    await statuses.settled("telegram", "-100", "7", "❌ failed")  # an older text settling changes nothing
    assert [(s.message_id, s.text) for s in await statuses.pending("telegram")] == [
        ("8", "✖ cancelled"), ("7", "✅ done")]
    assert await statuses.pending("discord") == []
    clock[0] = 3000.0  # past the cancelled text's time: dropped
    await statuses.settled("telegram", "-100", "7", "✅ done")
    assert await statuses.pending("telegram") == []


async def test_a_jobs_last_frame_and_video_are_stored_with_it_and_read_back(core):
    from dataclasses import replace

    from tests.media import image_bytes, sample_video
    clip, last = sample_video(), image_bytes(640, 480, "JPEG")
    ticket = await core.submit(replace(request("animate", model="kling-21", image=image_bytes(640, 480)),
                                       end_image=last))
    video = await core.submit(replace(request("video", "in snow", model="runway-aleph"), video=clip))
    await core.wait_idle()

    assert (await core.job(ticket.job_id)).inputs == ("end_image",)
    assert await core._store.inputs(ticket.job_id) == {"end_image": ("image/jpeg", last)}
    assert await core._store.inputs(video.job_id) == {"video": ("video/mp4", clip)}


async def test_the_inbox_finds_an_albums_updates_near_one_of_them_by_their_text(core):
    from bot.store.inbox import InboxEntry
    entries = [InboxEntry(10, '{"message":{"media_group_id":"77_1%"}}'), InboxEntry(11, '{"other":1}'),
               InboxEntry(12, '{"message":{"media_group_id":"77_1%"}}'), InboxEntry(900, '{"media_group_id":"77_1%"}'),
               InboxEntry(13, '{"message":{"media_group_id":"7731%"}}')]  # `_` and `%` are no wildcards
    now = time.time()  # a handled row of 1970 would be the retention's to forget meanwhile
    await core.inbox.store("telegram", entries, now)
    await core.inbox.handled("telegram", 10, now + 1)  # handled ones count too

    found = await core.inbox.near("telegram", 11, 100, '"media_group_id":"77_1%"')

    assert [e.update_id for e in found] == [10, 12]
