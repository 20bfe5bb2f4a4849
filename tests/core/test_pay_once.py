"""Pay once, post once: every accepted job costs 302.AI at most one paid call and reaches the
chat at most once, whatever 302.AI, the database or the process does meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace

import pytest

from bot.errors import OutcomeUnknown
from bot.store.lock import AlreadyRunning
from tests.conftest import FAST, RecordingMessenger, wait_for
from tests.core.helpers import ALICE, BOB, ledger_balances, request

AFTER_ACCEPT = ["timeout-after-accept=2", "5xx-after-accept=500", "5xx-after-accept=502", "garbage-after-accept"]
NOT_TAKEN = ["429", "1002", "503"]
UNCLEAR = ["500", "garbage", "code=1000", "code=1013"]  # refused before billing, but nothing proves it


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
async def core(make_core, messenger):
    core = await make_core(submit_timeout=0.5, image_timeout=0.5)
    core.register("test", messenger)
    await core.start()
    return core


def billed_for(simulator, prompt_start: str) -> int:
    return sum(1 for b in simulator.billed if (b["prompt"] or "").startswith(prompt_start))


@pytest.mark.parametrize("command", ["video", "image"])
@pytest.mark.parametrize("fault", AFTER_ACCEPT + UNCLEAR)
async def test_an_unclear_paid_call_is_never_sent_again_and_the_member_is_refunded(core, messenger, simulator,
                                                                                  command, fault):
    prompt = f"a fox {command} [sim:{fault}]"
    ticket = await core.submit(request(command, prompt))
    await core.wait_idle()
    posts = [r for r in simulator.requests if r["method"] == "POST"]
    assert len(posts) == 1  # sent once, never again
    assert messenger.failures == [(ticket.job_id, str(OutcomeUnknown.user_message))] and not messenger.delivered
    assert billed_for(simulator, "a fox") == (1 if "after-accept" in fault else 0)
    usage = await core.quota(ALICE)
    assert usage.used_today == 0
    # the operator's spend counts it, whether or not 302.AI really billed it
    assert (await core.operator_spend()).mptc == core.catalog.get(ticket.model).cost_mptc
    assert await ledger_balances(core)


@pytest.mark.parametrize("fault", NOT_TAKEN)
async def test_a_call_302ai_proved_it_did_not_take_is_sent_again_and_paid_once(core, messenger, simulator, fault):
    simulator.fail_next(fault, 2)
    ticket = await core.submit(request("image", "a fox"))
    await core.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]
    assert len(simulator.billed) == 1
    assert await ledger_balances(core)


async def test_an_operator_log_line_names_the_job_to_look_up(core, simulator, caplog):
    ticket = await core.submit(request("video", "a cat [sim:5xx-after-accept]"))
    await core.wait_idle()
    [line] = [r for r in caplog.records if r.levelname == "ERROR" and ticket.job_id in r.getMessage()]
    assert "302.AI console" in line.getMessage() and "not sent again" in line.getMessage()


async def test_the_bot_wide_ceiling_counts_what_302ai_billed_not_what_members_kept(make_core, simulator):
    messenger = RecordingMessenger()
    core = await make_core(bot_daily_mptc=1000, daily_credits=100, max_in_flight=10)
    core.register("test", messenger)
    # each video is accepted (billed) by 302.AI and then fails: the member gets the credits back
    for who in (ALICE, BOB):
        await core.submit(request("video", "a cat [sim:fail]", who=who))
    await core.wait_idle()
    assert len(simulator.billed) == 2 and (await core.quota(ALICE)).used_today == 0
    with pytest.raises(Exception, match="spending limit"):
        await core.submit(request("video", "one more"))
    assert len(simulator.billed) == 2
    assert await ledger_balances(core)


async def test_a_job_refused_by_302ai_gives_back_its_hold_on_the_ceiling(make_core, simulator):
    core = await make_core(bot_daily_mptc=500)
    core.register("test", RecordingMessenger())
    await core.submit(request("video", "a cat [sim:flag]"))
    await core.wait_idle()
    await core.submit(request("video", "a calm cat"))  # the whole ceiling is free again
    await core.wait_idle()
    assert len(simulator.billed) == 1 and await ledger_balances(core)


async def test_a_job_launched_twice_in_one_process_runs_once(core, messenger, simulator):
    started = asyncio.create_task(core.start())  # a resume racing new requests
    tickets = await asyncio.gather(*(core.submit(request("image", f"fox {i}", who=w))
                                     for i, w in enumerate((ALICE, BOB))))
    await started
    for job in await core._store.unfinished():
        core._runner.launch(job)
    await core.start()
    await core.wait_idle()
    assert sorted(j for j, _ in messenger.delivered) == sorted(t.job_id for t in tickets)
    assert len(simulator.billed) == 2
    assert await ledger_balances(core)


async def test_a_stale_copy_of_a_delivered_job_is_neither_posted_nor_charged_again(core, messenger, simulator):
    ticket = await core.submit(request("image", "a fox"))
    await core.wait_idle()
    stale = replace(await core.job(ticket.job_id), state=__import__("bot.domain.job", fromlist=["JobState"])
                    .JobState.READY)
    core._runner.launch(stale)
    await core.wait_idle()
    assert len(messenger.delivered) == 1
    assert await core._store.refund(stale, "late", time.time()) is None
    assert await core._store.deliver(stale, time.time()) is None
    assert await ledger_balances(core)


@pytest.mark.sqlite_only
async def test_a_database_locked_after_a_post_is_recorded_without_posting_again(core, messenger, tmp_path):
    db = core._store._db
    await db._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of waiting 10 s
    locked = asyncio.Event()

    class LocksAfterPosting(RecordingMessenger):
        async def deliver(self, job, result):
            await super().deliver(job, result)
            holder = sqlite3.connect(tmp_path / "reelbot.db", isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            locked.set()
            asyncio.get_running_loop().call_later(1.0, holder.close)  # another process, for a second

    posting = LocksAfterPosting()
    core.register("test", posting)
    ticket = await core.submit(request("image", "a fox"))
    await core.wait_idle()
    assert locked.is_set()
    assert [j for j, _ in posting.delivered] == [ticket.job_id] and not posting.failures
    assert (await core.job(ticket.job_id)).state == "delivered"
    assert await ledger_balances(core)


@pytest.mark.sqlite_only
async def test_a_second_runner_on_the_same_database_refuses_to_start(make_core, tmp_path):
    await make_core(db_path=tmp_path / "one.db")
    with pytest.raises(AlreadyRunning, match=r"pid \d+"):
        await make_core(db_path=tmp_path / "one.db")


async def test_one_bad_prompt_fails_only_itself_in_a_batch(core, messenger):
    tickets = await asyncio.gather(core.submit(request("image", "a fox \ud800 in snow")),
                                   *(core.submit(request("image", f"fox {i}", who=BOB)) for i in range(1)))
    await core.wait_idle()
    assert len(messenger.delivered) == 2 and all(t.job_id for t in tickets)
    assert "\ud800" not in (await core.job(tickets[0].job_id)).prompt


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060\u2060", "\u00ad", "\u202e", "\ufeff", " \u200b\n"])
async def test_a_prompt_with_nothing_visible_is_refused_like_an_empty_one(core, simulator, invisible):
    with pytest.raises(Exception, match="Describe what you want"):
        await core.submit(request("video", invisible))
    assert not simulator.requests
