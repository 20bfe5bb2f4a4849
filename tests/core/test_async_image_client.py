"""The asynchronous image calls of the 302.AI client against the simulator: which answers of
the paid create may be tried again (none that 302.AI may have taken), what the free fetch
makes of failures (never a verdict), and the endpoints metrics see."""

from __future__ import annotations

import pytest

from bot.ai302.client import Ai302Client, Timeouts
from bot.errors import AuthFailed, OutcomeUnknown, RetryLater
from tests.conftest import SIM_KEY

PAYLOAD = {"model": "302ai-flux-v1.1-ultra-t2i", "prompt": "sky city"}


@pytest.fixture
def seen() -> list[str]:
    return []


@pytest.fixture
async def client(simulator, seen):
    async with Ai302Client(simulator.base_url, SIM_KEY, timeouts=Timeouts(1, 1, 1, 5),
                           observe=lambda endpoint, seconds, error: seen.append(endpoint)) as c:
        yield c


async def test_a_created_task_is_fetched_with_every_picture_it_drew(client, simulator):
    task_id = await client.create_image({**PAYLOAD, "prompt": "sky city [sim:images=2]"})
    status = await client.fetch_image(task_id)

    assert status.finished and len(status.urls) == 2 and len(set(status.urls)) == 2
    pictures = [await client.download(url, 10**6) for url in status.urls]
    assert all(p.startswith(b"\x89PNG") for p in pictures)


@pytest.mark.parametrize("fault", ["timeout-after-accept=3", "5xx-after-accept=502", "garbage-after-accept"])
async def test_an_answer_after_the_picture_was_billed_is_outcome_unknown(client, simulator, fault):
    with pytest.raises(OutcomeUnknown):
        await client.create_image({**PAYLOAD, "prompt": f"sky [sim:{fault}]"})
    assert len(simulator.billed) == 1


@pytest.mark.parametrize("fault", ["429", "503", "1002"])
async def test_an_answer_proving_the_call_was_not_taken_may_be_tried_again(client, simulator, fault):
    with pytest.raises(RetryLater):
        await client.create_image({**PAYLOAD, "prompt": f"sky [sim:{fault}]"})
    assert not simulator.billed


async def test_a_502_before_accepting_is_still_unknown_for_a_paid_call(client, simulator):
    with pytest.raises(OutcomeUnknown):  # nothing proves 302.AI did not take it
        await client.create_image({**PAYLOAD, "prompt": "sky [sim:500]"})


@pytest.mark.parametrize("fault", ["500", "503", "garbage", "code=2013"])
async def test_a_failed_fetch_is_a_retry_never_a_verdict(client, simulator, fault):
    task_id = await client.create_image(PAYLOAD)
    simulator.fail_next(fault)
    with pytest.raises(RetryLater):
        await client.fetch_image(task_id)
    assert (await client.fetch_image(task_id)).finished  # the picture was there all along


async def test_a_fetch_of_an_unknown_task_is_a_retry(client):
    with pytest.raises(RetryLater):
        await client.fetch_image("img-no-such-task")


async def test_a_refused_key_on_a_fetch_is_the_operators_problem(client, simulator):
    task_id = await client.create_image(PAYLOAD)
    simulator.fail_next("auth")
    with pytest.raises(AuthFailed):
        await client.fetch_image(task_id)


async def test_metrics_name_the_fetch_endpoint_without_its_task_id(client, seen):
    task_id = await client.create_image(PAYLOAD)
    await client.fetch_image(task_id)

    assert seen == ["/302/v2/image/generate", "/302/v2/image/fetch/{task_id}"]
