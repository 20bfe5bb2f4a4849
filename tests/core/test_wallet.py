"""Purchased credits: applied once per payment, spent after the day's free credits, given
back to the wallet when a job they paid for fails, and taken back when a payment is refunded."""

from __future__ import annotations

import pytest

from bot.errors import QuotaExceeded
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, ledger_balances, request


@pytest.fixture
async def core(make_core, backend):  # on both stores: payments are money
    core = await make_core(daily_credits=5, stars_per_credit=2, credit_packs=(10, 50), **backend)
    core.register("test", RecordingMessenger())
    await core.start()
    return core


async def test_a_payment_is_applied_once_however_often_it_arrives(core):
    assert [(p.credits, p.stars) for p in core.shop.packs()] == [(10, 20), (50, 100)]
    first = await core.shop.paid(ALICE.user_key, "charge-1", "credits:10", 20, "XTR")
    again = await core.shop.paid(ALICE.user_key, "charge-1", "credits:10", 20, "XTR")
    assert first[0] and not again[0]
    assert (await core.quota(ALICE)).purchased == 10
    assert await ledger_balances(core)


async def test_purchased_credits_are_spent_after_the_days_and_return_when_a_job_fails(core, simulator):
    await core.shop.paid(ALICE.user_key, "charge-2", "credits:10", 20, "XTR")
    await core.submit(request("video", "a cat"))  # the day's 5
    await core.wait_idle()
    assert (await core.quota(ALICE)).purchased == 10
    await core.submit(request("video", "a cat [sim:fail]"))  # 5 from the wallet, then refunded
    await core.wait_idle()
    status = await core.quota(ALICE)
    assert status.purchased == 10 and status.used_today == 5
    await core.submit(request("video", "another cat"))
    await core.submit(request("video", "a third cat"))
    await core.wait_idle()
    assert (await core.quota(ALICE)).purchased == 0
    with pytest.raises(QuotaExceeded, match="0 left today"):
        await core.submit(request("image", "one more"))
    assert await ledger_balances(core)


async def test_an_offer_that_changed_is_refused_at_checkout(core):
    assert (await core.shop.check(ALICE, "credits:10", 20, "XTR")).credits == 10
    for payload, total, currency in (("credits:10", 19, "XTR"), ("credits:11", 22, "XTR"), ("x", 20, "XTR"),
                                     ("credits:10", 20, "USD")):
        with pytest.raises(QuotaExceeded):
            await core.shop.check(ALICE, payload, total, currency)


async def test_a_refunded_payment_takes_back_what_is_left_once(core):
    from bot.store.wallet import Wallets
    wallets = Wallets(core._store.db)
    await core.shop.paid(ALICE.user_key, "charge-3", "credits:10", 20, "XTR")
    await core.submit(request("video", "a cat"))
    await core.submit(request("image", "a fox"))  # 1 from the wallet
    await core.wait_idle()
    assert await wallets.take_back("charge-3", 0.0) == (ALICE.user_key, 9)
    assert await wallets.take_back("charge-3", 0.0) is None
    assert (await core.quota(ALICE)).purchased == 0
    assert await ledger_balances(core)
