"""The console's queries and logins on both stores (SQLite and PostgreSQL): what a page
reads is what the core wrote."""

from __future__ import annotations

import time

import pytest

from bot.store import reports
from bot.store.console_sessions import ConsoleSessions
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request


@pytest.fixture
async def core(make_core, backend):
    core = await make_core(**backend)  # `backend`: once on SQLite, once on PostgreSQL
    core.register("test", RecordingMessenger())
    await core.start()
    return core


async def test_the_pages_read_what_the_core_wrote_on_each_store(core):
    ticket = await core.submit(request("image", "<b>a fox</b>", who=ALICE))
    await core.wait_idle()
    db = core.db
    now = time.time()
    seen = await reports.overview(db, now, 200_000)
    assert seen.today_mptc > 0 and seen.spend_by_day[-1][1] == seen.today_mptc and len(seen.spend_by_day) == 30
    assert sum(d for _, d, _, _ in seen.jobs_by_hour) == 1 and seen.jobs_by_hour[-1][1:] == (1, 0, 0)
    assert [m["delivered"] for m in seen.models] == [1] and seen.models[0]["p50"] is not None
    assert [j["id"] for j in await reports.jobs(db, {"state": "delivered", "member": ALICE.user_key})] == [ticket.job_id]
    assert await reports.jobs(db, {"state": "failed"}) == []
    job = await reports.job(db, ticket.job_id)
    assert job["prompt"] == "<b>a fox</b>" and {"reserve", "commit"} <= {r["entry"] for r in job["ledger"]}
    assert [m["user_key"] for m in await reports.members(db, "@ali")] == [ALICE.user_key]
    member = await reports.member(db, ALICE.user_key, now)
    assert member["used_1d"] == member["used_30d"] > 0 and [j["id"] for j in member["jobs"]] == [ticket.job_id]
    [chat] = await reports.chats(db, now)
    assert chat["chat"] == ALICE.chat_key and chat["today"] == chat["month"] == member["used_1d"]
    assert await reports.payments(db) == []


async def test_the_jobs_per_hour_count_delivered_refunded_and_cancelled_apart_on_each_store(make_core, backend):
    core = await make_core(max_concurrent_requests=1, **backend)  # one slot, which the test can hold
    core.register("test", RecordingMessenger())
    await core.start()
    await core.submit(request("image", "a fox"))
    await core.submit(request("image", "a fox [sim:flag]"))  # 302.AI flags it: refunded
    await core.wait_idle()
    slots = core._runner._ctx.slots  # every 302.AI slot held: the next job waits in line
    await slots.acquire()
    waiting = await core.submit(request("image", "a cancelled fox"))
    await core.cancel(waiting.job_id, ALICE)
    slots.release()
    by_hour, _ = await reports.week(core.db, time.time())
    assert [sum(hour[i] for hour in by_hour) for i in (1, 2, 3)] == [1, 1, 1]


async def test_logins_work_once_and_end_together_on_each_store(core):
    sessions = ConsoleSessions(core.db)
    link = await sessions.issue_link("telegram:1", "zh")
    secret = await sessions.redeem(link)
    assert await sessions.redeem(link) is None
    session = await sessions.session(secret)
    assert (session.actor, session.language) == ("telegram:1", "zh")
    assert await sessions.end_all() == 1 and await sessions.session(secret) is None


async def test_the_week_figures_are_kept_a_minute_then_read_again_behind_the_stale_ones(core):
    from types import SimpleNamespace

    from adapters.web import ConsoleWeb

    now = [time.time()]
    web = ConsoleWeb(SimpleNamespace(db=core.db), core.settings, ("127.0.0.1", 0), clock=lambda: now[0],
                     summary_seconds=60)

    def delivered(summary) -> int:
        return sum(m["delivered"] for m in summary[1])
    first = await web.week()
    await core.submit(request("image", "a fox"))
    await core.wait_idle()
    assert delivered(await web.week()) == delivered(first) == 0  # within the minute: as read
    now[0] += 61
    assert delivered(await web.week()) == 0  # stale, shown while it is read again
    await web._rereading
    assert delivered(await web.week()) == 1


async def test_a_chats_title_names_it_on_the_pages_and_finds_its_jobs_on_each_store(core):
    from dataclasses import replace

    titled = replace(ALICE, chat_title="Film <b>club</b>")
    ticket = await core.submit(request("image", "a fox", who=titled))
    await core.wait_idle()
    [row] = await reports.jobs(core.db, {"chat": "film <B>club</b>"})  # a title, in any case
    assert (row["id"], row["chat_title"]) == (ticket.job_id, "Film <b>club</b>")
    assert [j["id"] for j in await reports.jobs(core.db, {"chat": ALICE.chat_key})] == [ticket.job_id]
    assert await reports.jobs(core.db, {"chat": "Birders"}) == []
    assert (await reports.job(core.db, ticket.job_id))["chat_title"] == "Film <b>club</b>"
    [chat] = await reports.chats(core.db, time.time())
    assert (chat["chat"], chat["title"]) == (ALICE.chat_key, "Film <b>club</b>")
