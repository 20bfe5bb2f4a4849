"""Unified v2 video models end to end against the simulator: delivered, billed at their
cost, paid once whatever the create call's answer, and never ended by a failed fetch."""

from __future__ import annotations

import pytest

from bot.errors import OutcomeUnknown, ValidationError
from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import ALICE, ledger_balances, request

AFTER_ACCEPT = ["timeout-after-accept=2", "5xx-after-accept=502", "garbage-after-accept"]


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
async def core(make_core, messenger):
    core = await make_core(submit_timeout=0.5)
    core.register("test", messenger)
    await core.start()
    return core


def creates(simulator) -> list[dict]:
    return [r for r in simulator.requests if r["path"] == "/302/v2/video/create"]


async def spend_rows(core, job_id: str) -> list[int]:
    rows = await core._store._db.fetchall(  # the ledger itself is what is checked here
        "SELECT amount FROM ledger WHERE job_id = ? AND entry LIKE 'spend%'", (job_id,))
    return [r["amount"] for r in rows]


async def test_a_unified_text_to_video_is_created_fetched_and_delivered(core, messenger, simulator):
    ticket = await core.submit(request("video", "a fox in the snow", model="kling-25-turbo", duration="10"))
    await core.wait_idle()

    [(job_id, result)] = messenger.delivered
    assert job_id == ticket.job_id and result.kind == "video"
    [sent] = creates(simulator)
    assert sent["body"]["model"] == "kling-25-turbo" and sent["body"]["duration"] == 10  # typed as the list gives it
    assert any(r["path"].startswith("/302/v2/video/fetch/") for r in simulator.requests)
    assert not any(r["path"].startswith("/minimaxi/") for r in simulator.requests)
    assert await ledger_balances(core)


async def test_spend_rows_carry_the_models_cost_scaled_by_duration_per_second(core, simulator):
    # kling-21 is "0.056 PTC per second": 10 s cost 560 mPTC; the price follows at 10 credits a PTC
    ticket = await core.submit(request("video", "a fox", model="kling-21", duration="10"))
    await core.wait_idle()

    assert await spend_rows(core, ticket.job_id) == [560]
    assert ticket.price == 6  # 5.6 credits, rounded up
    assert await ledger_balances(core)


@pytest.mark.parametrize("fault", AFTER_ACCEPT)
async def test_an_ambiguous_create_is_billed_once_and_never_sent_again(core, messenger, simulator, fault):
    ticket = await core.submit(request("video", f"a fox [sim:{fault}]", model="pixverse-v5"))
    await core.wait_idle()

    assert len(creates(simulator)) == 1
    assert len(simulator.billed) == 1
    assert messenger.failures == [(ticket.job_id, str(OutcomeUnknown.user_message))]
    assert (await core.quota(ALICE)).used_today == 0  # the member is refunded
    assert await spend_rows(core, ticket.job_id) == [300]  # the operator's spend counts it, once
    assert await ledger_balances(core)


async def test_a_failing_fetch_does_not_end_the_job_before_its_deadline(core, messenger, simulator):
    simulator.outage("500", 1.5, on=("query",))
    ticket = await core.submit(request("video", "a fox", model="vidu-q1"))
    await core.wait_idle()

    assert simulator.outages.refused.get("query", 0) >= 1  # fetches did fail meanwhile
    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures
    assert len(simulator.billed) == 1


async def test_a_fetch_answering_404_is_asked_again_not_taken_as_the_videos_end(core, messenger, simulator):
    ticket = await core.submit(request("video", "a fox [sim:slow=1]", model="vidu-q1"))
    await wait_for(lambda: any(r["path"].startswith("/302/v2/video/fetch/") for r in simulator.requests),
                   what="a first fetch")
    task = next(iter(t for t in simulator._tasks.values()))
    del simulator._tasks[task.task_id]  # 302.AI "forgets" the task for a moment: fetch answers 404
    await wait_for(lambda: sum(r["path"].startswith("/302/v2/video/fetch/") for r in simulator.requests) >= 3,
                   what="fetches asked again after a 404")
    simulator._tasks[task.task_id] = task
    await core.wait_idle()

    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures


@pytest.mark.parametrize("options, allowed", [
    ({"duration": "7"}, "5, 10"),
    ({"resolution": "4k"}, "Options it takes"),  # kling-21 takes no resolution
    ({"cfg_scale": "1.5"}, "from 0 to 1 in steps of 0.1"),
])
async def test_a_refused_option_costs_nothing_and_names_what_is_allowed(core, simulator, options, allowed):
    with pytest.raises(ValidationError) as refused:
        await core.submit(request("video", "a fox", model="kling-21", **options))

    assert allowed in str(refused.value)
    assert not creates(simulator) and not simulator.billed
    assert (await core.quota(ALICE)).used_today == 0


async def test_an_unpriced_model_is_refused_to_members_and_nothing_is_spent(core, simulator):
    with pytest.raises(ValidationError) as refused:
        await core.submit(request("video", "a fox", model="doubao-seedance-1-0-pro"))

    assert "price is not set" in str(refused.value)
    assert "doubao-seedance-1-0-pro" in core.catalog.unpriced
    assert not creates(simulator) and not simulator.billed


async def test_an_operator_cost_prices_a_model_302ai_words_unclearly(make_core, simulator, messenger):
    core = await make_core(costs={"doubao-seedance-1-0-pro": 420})
    core.register("test", messenger)
    await core.start()

    ticket = await core.submit(request("video", "a fox", model="doubao-seedance-1-0-pro", duration="4"))
    await core.wait_idle()

    assert await spend_rows(core, ticket.job_id) == [420]
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]
