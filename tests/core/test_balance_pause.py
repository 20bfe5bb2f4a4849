"""A pause for an empty 302.AI balance lifts only on proof: a free query works with an empty
balance, so it proves nothing; after an operator's resume the first paid call is the check,
one at a time until 302.AI accepts one."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import QuotaExceeded
from tests.conftest import wait_for
from tests.core.helpers import ALICE, ledger_balances, request
from tests.core.test_operator import ADMIN, AlertedMessenger

PAID = ("/minimaxi/v1/image_generation", "/minimaxi/v1/video_generation")


def paid_calls(simulator, since: int = 0) -> int:
    return sum(1 for r in list(simulator.requests)[since:] if r["method"] == "POST" and r["path"] in PAID)


@pytest.fixture
def messenger():
    return AlertedMessenger()


@pytest.fixture
async def core(make_core, messenger):
    core = await make_core(probe_interval=0.02, max_in_flight=10)
    core.register("test", messenger)
    await core.start()
    return core


async def run_out_of_balance(core, messenger) -> None:
    await core.submit(request("image", "a fox [sim:balance]"))  # 302.AI: 1008 for this paid call
    await core.wait_idle()
    assert len(messenger.alerts) == 1 and "balance has run out" in messenger.alerts[0]


async def test_a_balance_pause_is_not_lifted_by_free_queries_that_work_with_an_empty_balance(
        core, messenger, simulator):
    await run_out_of_balance(core, messenger)
    # The free query that used to lift it answers normally now (as it does with an empty
    # balance). Fifty probe intervals later nothing has lifted the pause: no all-clear, and
    # no free query was even asked.
    with pytest.raises(AssertionError, match="timed out"):
        await wait_for(lambda: len(messenger.alerts) > 1, timeout=1.0, what="an all-clear")
    assert not [r for r in simulator.requests if r["path"].endswith("/query/video_generation")]
    with pytest.raises(QuotaExceeded, match="paused by its operator's account"):
        await core.submit(request("image", "later"))


async def test_after_a_resume_one_paid_call_checks_the_balance_and_a_1008_pauses_again_without_a_burst(
        core, messenger, simulator):
    await run_out_of_balance(core, messenger)
    await core.admin.resume(ADMIN)  # the operator believes the account was topped up; it was not
    since = len(simulator.requests)
    answers = await asyncio.gather(*(core.submit(request("image", f"fox {i} [sim:balance]")) for i in range(4)),
                                   return_exceptions=True)
    await core.wait_idle()
    assert paid_calls(simulator, since) == 1  # the one check; the others waited for its answer
    accepted = [a for a in answers if not isinstance(a, BaseException)]
    assert len(messenger.failures) == 1 + len(accepted)  # each told; none charged
    assert (await core.quota(ALICE)).used_today == 0 and not simulator.billed
    with pytest.raises(QuotaExceeded, match="paused by its operator's account"):
        await core.submit(request("image", "later"))
    assert await ledger_balances(core)


async def test_after_a_top_up_and_a_resume_the_first_accepted_call_proves_the_balance_and_jobs_flow(
        core, messenger, simulator):
    await run_out_of_balance(core, messenger)
    await core.admin.resume(ADMIN)  # topped up this time
    await asyncio.gather(*(core.submit(request("image", f"fox {i}")) for i in range(3)))
    await core.wait_idle()
    assert len(messenger.delivered) == 3 and len(simulator.billed) == 3
    assert not core._runner._ctx.balance.doubted  # proved: paid calls go at once again
    assert await ledger_balances(core)
