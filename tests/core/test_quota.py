"""Quotas: nobody can spend past their limits, however fast they ask."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import QuotaExceeded
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, BOB, ledger_balances, request


async def started(make_core, **settings):
    core = await make_core(**settings)
    core.register("test", RecordingMessenger())
    await core.start()
    return core


async def test_fifty_concurrent_requests_from_one_user_who_can_afford_three(make_core):
    core = await started(make_core, daily_credits=15, max_in_flight=50)
    results = await asyncio.gather(*(core.submit(request("video", f"cat {i}")) for i in range(50)),
                                   return_exceptions=True)
    accepted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, QuotaExceeded)]
    assert len(accepted) == 3 and len(refused) == 47
    assert all("This costs 5 credits and you have 0 left today" in str(r) for r in refused)
    await core.wait_idle()
    assert (await core.quota(ALICE)).used_today == 15
    assert await ledger_balances(core)


async def test_jobs_in_flight_are_capped_per_user(make_core):
    core = await started(make_core, max_in_flight=2)
    await core.submit(request("video", "one"))
    await core.submit(request("video", "two"))
    with pytest.raises(QuotaExceeded, match="already have 2 jobs running"):
        await core.submit(request("video", "three"))
    await core.submit(request("video", "bob's", who=BOB))  # others are not held up
    await core.wait_idle()
    await core.submit(request("video", "three, later"))


async def test_chat_limit_is_shared_by_its_members(make_core):
    core = await started(make_core, chat_daily_credits=6, max_in_flight=10)
    await core.submit(request("video", "alice"))
    with pytest.raises(QuotaExceeded, match="This chat has used its 6 credits"):
        await core.submit(request("video", "bob", who=BOB))


async def test_bot_wide_ceiling_protects_the_operator(make_core):
    core = await started(make_core, bot_daily_mptc=500, max_in_flight=10)
    await core.submit(request("video", "alice"))
    with pytest.raises(QuotaExceeded, match="spending limit"):
        await core.submit(request("image", "bob", who=BOB))


async def test_quota_shows_credits_left_and_the_reset(make_core):
    core = await started(make_core, daily_credits=20, chat_daily_credits=100)
    await core.submit(request("video", "a cat"))
    await core.submit(request("image", "a fox"))
    await core.wait_idle()
    status = await core.quota(ALICE)
    assert (status.used_today, status.credits_left, status.jobs_in_flight) == (6, 14, 0)
    assert status.chat_credits_left == 94
    assert status.resets_at.hour == 0 and status.resets_at.timestamp() > 0


async def test_refunded_credits_can_be_spent_again(make_core):
    core = await started(make_core, daily_credits=5)
    await core.submit(request("video", "a cat [sim:fail]"))
    await core.wait_idle()
    await core.submit(request("video", "a cat"))
    await core.wait_idle()
    assert (await core.quota(ALICE)).used_today == 5


async def test_quota_day_rolls_over_at_midnight_utc(make_core):
    now = [1_700_000_000.0 - 1_700_000_000.0 % 86400 + 86400 - 10]  # ten seconds before midnight UTC
    core = await started(make_core, daily_credits=5, clock=lambda: now[0])
    await core.submit(request("video", "a cat"))
    await core.wait_idle()
    with pytest.raises(QuotaExceeded, match="reset in 10s"):
        await core.submit(request("video", "another"))
    now[0] += 20
    await core.submit(request("video", "another"))
    await core.wait_idle()


async def test_credits_of_a_job_reserved_before_midnight_and_refunded_after_come_back_into_the_new_day(make_core):
    midnight = 1_700_000_000.0 - 1_700_000_000.0 % 86400 + 86400
    now = [midnight - 120]  # 23:58 UTC
    core = await started(make_core, daily_credits=5, clock=lambda: now[0])
    await core.stop_jobs()  # the job waits past midnight; the test ends it by hand
    ticket = await core.submit(request("video", "a cat"))
    assert (await core.quota(ALICE)).credits_left == 0
    now[0] = midnight + 300  # 00:05 UTC
    await core._store.refund(await core._store.job(ticket.job_id), "302.AI failed", now[0])
    status = await core.quota(ALICE)
    assert status.credits_left == 5 + 5 and status.used_today == 0  # the new day's, and the ones back
    assert await ledger_balances(core)
