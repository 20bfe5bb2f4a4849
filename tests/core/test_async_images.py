"""Images through 302.AI's asynchronous interface, end to end against the simulator: created
once (paid), fetched (free) until done, delivered with every picture of the answer, billed at
the model's cost, and never re-sent after an unclear answer nor ended by a failed fetch."""

from __future__ import annotations

import pytest

from bot.errors import OutcomeUnknown
from bot.jobs.texts import GEN_FAILED
from bot.i18n import render
from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import ALICE, ledger_balances, request

ASYNC_MODEL = "302ai-flux-v1.1-ultra-t2i"  # one of the models 302.AI's own app draws asynchronously
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


def paths(simulator, prefix: str) -> list[dict]:
    return [r for r in simulator.requests if r["path"].startswith(prefix)]


async def spend_rows(core, job_id: str) -> list[int]:
    rows = await core._store._db.fetchall(  # the ledger itself is what is checked here
        "SELECT amount FROM ledger WHERE job_id = ? AND entry LIKE 'spend%'", (job_id,))
    return [r["amount"] for r in rows]


async def test_an_async_image_is_created_once_fetched_and_delivered(core, messenger, simulator):
    ticket = await core.submit(request("image", "a lighthouse", model=ASYNC_MODEL, aspect_ratio="16:9"))
    await core.wait_idle()

    [(job_id, result)] = messenger.delivered
    assert job_id == ticket.job_id and result.kind == "image" and result.data.startswith(b"\x89PNG")
    [create] = paths(simulator, "/302/v2/image/generate")
    assert create["query"] == {"run_async": "true"}
    assert create["body"] == {"model": ASYNC_MODEL, "prompt": "a lighthouse", "aspect_ratio": "16:9"}
    assert paths(simulator, "/302/v2/image/fetch/")
    assert not paths(simulator, "/302/image/generate")  # the synchronous call is not used for it
    assert await ledger_balances(core)


async def test_a_model_without_an_async_form_keeps_the_synchronous_call(core, messenger, simulator):
    await core.submit(request("image", "a lighthouse", model="flux-dev-t2i"))
    await core.wait_idle()

    assert len(paths(simulator, "/302/image/generate")) == 1
    assert not paths(simulator, "/302/v2/image/") and len(messenger.delivered) == 1


async def test_several_pictures_are_delivered_together_in_one_post(core, messenger, simulator):
    ticket = await core.submit(request("image", "four cats [sim:images=4]", model=ASYNC_MODEL))
    await core.wait_idle()

    [(job_id, result)] = messenger.delivered  # one delivery, carrying them all
    pictures = [result, *result.more]
    assert job_id == ticket.job_id and len(pictures) == 4
    assert len({p.data for p in pictures}) == 4 and all(p.data.startswith(b"\x89PNG") for p in pictures)
    assert len({p.filename for p in pictures}) == 4 and all(ticket.job_id in p.filename for p in pictures)
    job = await core.job(ticket.job_id)
    assert len(job.result_urls) == 4 and job.result_url == job.result_urls[0]  # the job keeps every URL
    assert len(simulator.billed) == 1 and await spend_rows(core, ticket.job_id) == [100]


async def test_each_picture_of_several_is_size_capped(make_core, simulator):
    capped = RecordingMessenger(limit=100)  # smaller than any PNG the simulator draws
    core = await make_core()
    core.register("test", capped)
    await core.start()

    await core.submit(request("image", "two cats [sim:images=2]", model=ASYNC_MODEL))
    await core.wait_idle()

    [(_, result)] = capped.delivered
    assert [p.data for p in (result, *result.more)] == [None, None]  # sent as links: over the cap
    assert all(p.url.startswith(simulator.base_url) for p in (result, *result.more))


@pytest.mark.parametrize("fault", AFTER_ACCEPT)
async def test_an_ambiguous_async_create_is_billed_once_and_never_sent_again(core, messenger, simulator, fault):
    ticket = await core.submit(request("image", f"a fox [sim:{fault}]", model=ASYNC_MODEL))
    await core.wait_idle()

    assert simulator.images.creates == 1 and len(simulator.billed) == 1
    assert messenger.failures == [(ticket.job_id, str(OutcomeUnknown.user_message))]
    assert (await core.quota(ALICE)).used_today == 0  # the member is refunded
    assert await spend_rows(core, ticket.job_id) == [100]  # the operator's spend counts it, once
    assert await ledger_balances(core)


async def test_a_create_refused_with_503_is_sent_again_and_billed_once(core, messenger, simulator):
    simulator.fail_next("503")
    ticket = await core.submit(request("image", "a fox", model=ASYNC_MODEL))
    await core.wait_idle()

    assert simulator.images.creates == 2 and len(simulator.billed) == 1  # 503 proved it was not taken
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]
    assert await spend_rows(core, ticket.job_id) == [100]


async def test_a_fetch_outage_shorter_than_the_deadline_does_not_end_the_job(core, messenger, simulator):
    simulator.outage("500", 1.5, on=("query",))
    ticket = await core.submit(request("image", "a fox", model=ASYNC_MODEL))
    await core.wait_idle()

    assert simulator.outages.refused["query"] >= 1  # fetches did fail meanwhile
    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures
    assert len(simulator.billed) == 1


async def test_a_fetch_answering_404_is_asked_again_not_taken_as_the_pictures_end(core, messenger, simulator):
    ticket = await core.submit(request("image", "a fox [sim:slow=1]", model=ASYNC_MODEL))
    await wait_for(lambda: paths(simulator, "/302/v2/image/fetch/"), what="a first fetch")
    task_id, task = next(iter(simulator._tasks.items()))
    del simulator._tasks[task_id]  # 302.AI "forgets" the task for a moment: the fetch answers 404
    await wait_for(lambda: len(paths(simulator, "/302/v2/image/fetch/")) >= 3, what="fetches after a 404")
    simulator._tasks[task_id] = task
    await core.wait_idle()

    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures


async def test_a_failed_task_refunds_the_member_and_counts_the_spend(core, messenger, simulator):
    ticket = await core.submit(request("image", "a fox [sim:fail]", model=ASYNC_MODEL))
    await core.wait_idle()

    assert messenger.failures == [(ticket.job_id, render(GEN_FAILED, None))]
    assert (await core.quota(ALICE)).used_today == 0
    assert await spend_rows(core, ticket.job_id) == [100]  # 302.AI took the paid call
    assert await ledger_balances(core)


async def test_spend_rows_carry_the_cost_the_operator_set_for_the_model(make_core, simulator, messenger):
    core = await make_core(costs={ASYNC_MODEL: 60})
    core.register("test", messenger)
    await core.start()

    ticket = await core.submit(request("image", "a fox [sim:images=3]", model=ASYNC_MODEL))
    await core.wait_idle()

    assert await spend_rows(core, ticket.job_id) == [60]  # one call's cost, however many pictures
    assert await ledger_balances(core)
