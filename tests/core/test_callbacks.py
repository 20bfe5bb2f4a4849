"""302.AI's callbacks end to end: the simulator calls back to the bot's door on loopback, and
a callback only ever wakes a free status query of its job."""

from __future__ import annotations

import socket
from dataclasses import replace

import aiohttp
import pytest

from bot.domain.job import JobState
from entrypoints.ops import OpsListener
from tests.conftest import FAST, RecordingMessenger, wait_for
from tests.core.helpers import ledger_balances, request

# the model's videos are expected to take 5 s, and take 0.3: a safety poll's first look (at the
# p90) comes long after a callback, and the learned schedule's first look (0.5 s) after it too
SLOW_GUESS = replace(FAST, expected_seconds=5.0)
QUERY = "/minimaxi/v1/query/video_generation"
FAMILIES = [pytest.param(None, {}, id="minimax"),
            pytest.param("kling-25-turbo", {"duration": "10"}, id="v2")]


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
async def door_socket():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # held from here on: the public URL names its port before the bot starts
    yield sock
    sock.close()


@pytest.fixture
async def start(make_core, messenger, door_socket):
    listeners = []

    async def start(timing=SLOW_GUESS, **overrides):
        port = door_socket.getsockname()[1]
        core = await make_core(timing=timing, public_url=f"http://127.0.0.1:{port}",
                               daily_credits=100_000, max_in_flight=100, **overrides)
        core.register("test", messenger)
        listener = OpsListener(core, {}, door_socket, door=core.callbacks, ops=False)
        await listener.start()
        listeners.append(listener)
        await core.start()
        return core

    yield start
    for listener in listeners:
        await listener.stop()


def status_queries(simulator, task_id: str) -> int:
    return sum(1 for r in simulator.requests
               if (r["path"] == QUERY and r["query"].get("task_id") == task_id)
               or r["path"] == f"/302/v2/video/fetch/{task_id}")


def callback_url(simulator, task_id: str) -> str:
    """The address the bot gave 302.AI with the job's paid call."""
    billed = {b["id"]: b for b in simulator.billed}[task_id]
    for r in simulator.requests:
        if r["body"] and r["body"].get("prompt") == billed["prompt"]:
            return r["body"].get("callback") or r["query"]["webhook"]
    raise AssertionError(f"no paid call for {task_id}")


async def post(url: str, body=None, *, data: bytes | None = None, headers=None) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body if data is None else None, data=data, headers=headers) as reply:
            return reply.status, await reply.json(content_type=None)


async def run_one(core, prompt: str, model=None, **options):
    ticket = await core.submit(request("video", prompt, model=model, **options))
    await core.wait_idle()
    return await core.job(ticket.job_id)


async def warm_up(core, model, options, count: int = 3) -> None:
    """Jobs whose callbacks wake them: after them, callbacks are seen to arrive for the model."""
    for n in range(count):
        await run_one(core, f"warm-up {n}", model, **options)
    assert core._runner.wakeups.arriving(model or "T2V-01")


@pytest.mark.parametrize(("model", "options"), FAMILIES)
async def test_a_job_woken_by_its_callback_is_delivered_after_exactly_one_status_query(
        start, messenger, simulator, model, options):
    core = await start()
    await warm_up(core, model, options)

    job = await run_one(core, "a fox in the snow", model, **options)

    assert job.state is JobState.DELIVERED and job.id in [j for j, _ in messenger.delivered]
    assert status_queries(simulator, job.task_id) == 1
    assert await ledger_balances(core)


@pytest.mark.parametrize(("model", "options"), FAMILIES)
async def test_the_paid_call_names_the_jobs_own_unguessable_callback_address(start, simulator, model, options):
    core = await start()
    job = await run_one(core, "a fox", model, **options)
    other = await run_one(core, "a hare", model, **options)

    url, other_url = callback_url(simulator, job.task_id), callback_url(simulator, other.task_id)
    assert url.startswith(f"{core.callbacks.address.base}/callbacks/{job.id}/")
    assert len(url.rsplit("/", 1)[1]) == 64 and url.rsplit("/", 1)[1] != other_url.rsplit("/", 1)[1]


async def test_a_forged_success_callback_for_a_running_video_changes_nothing(start, messenger, simulator):
    core = await start()
    ticket = await core.submit(request("video", "a slow fox [sim:slow=60] [sim:cb-never]"))
    await wait_for(lambda: bool(simulator.billed), what="the paid call")
    task_id = simulator.billed[0]["id"]
    await wait_for(lambda: any(c["kind"] == "challenge" for c in simulator.callbacks.sent), what="the challenge")
    before = status_queries(simulator, task_id)

    status, _ = await post(callback_url(simulator, task_id), {"task_id": task_id, "status": "Success",
                                                               "file_id": f"file-{task_id}", "base_resp": {"status_code": 0}})
    await wait_for(lambda: status_queries(simulator, task_id) > before, what="the woken status query")

    assert status == 200
    job = await core.job(ticket.job_id)
    assert job.state is JobState.RUNNING and job.file_id is None and not messenger.delivered
    simulator.configure(finish_all=True)  # the real end: polling delivers it, as without callbacks
    await core.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]


async def test_a_replayed_callback_after_delivery_is_a_no_op(start, messenger, simulator):
    core = await start()
    job = await run_one(core, "a fox")
    queries = status_queries(simulator, job.task_id)

    status, _ = await post(callback_url(simulator, job.task_id), {"task_id": job.task_id, "status": "Success"})

    assert status == 200
    assert status_queries(simulator, job.task_id) == queries
    assert await core.job(job.id) == job and len(messenger.delivered) == 1


async def test_the_minimax_challenge_is_echoed_as_the_same_json(start, simulator):
    core = await start()
    job = await run_one(core, "a fox")

    status, answer = await post(callback_url(simulator, job.task_id), {"challenge": "c4ll3ng3-0042"})

    assert (status, answer) == (200, {"challenge": "c4ll3ng3-0042"})
    assert {c["status"] for c in simulator.callbacks.sent if c["kind"] == "challenge"} == {200}


async def test_a_callback_for_an_unknown_path_is_refused_and_writes_nothing(start, simulator):
    core = await start()
    job = await run_one(core, "a fox")
    url = callback_url(simulator, job.task_id)
    spoilt = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    db = core._store._db  # the connection's own count of rows written is what is checked
    [before] = await db.fetchone("SELECT total_changes()")

    answers = [await post(spoilt, {"status": "Success"}),
               await post(url.replace(f"/{job.id}/", "/no-such-job/"), {"status": "Success"})]

    assert [status for status, _ in answers] == [404, 404]
    [after] = await db.fetchone("SELECT total_changes()")
    assert after == before


async def test_a_callback_body_over_64_kb_is_refused(start, simulator):
    core = await start()
    job = await run_one(core, "a fox")

    status, _ = await post(callback_url(simulator, job.task_id), data=b"x" * (64 * 1024 + 1))

    assert status == 413


async def test_callbacks_from_one_address_beyond_its_burst_are_refused(start, simulator):
    core = await start(callback_rate=0.001)  # bursts of 5, and a token back every 1000 s
    job = await run_one(core, "a fox")
    # as from behind a reverse proxy on this host: the address it appended is the source
    proxied = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}

    answers = [(await post(callback_url(simulator, job.task_id), {}, headers=proxied))[0] for _ in range(7)]
    other = await post(callback_url(simulator, job.task_id), {}, headers={"X-Forwarded-For": "198.51.100.8"})

    assert answers == [200] * 5 + [429, 429]
    assert other[0] == 200


@pytest.mark.parametrize("fault", ["wrong-path", "twice", "late=1", "forged"])
async def test_a_callback_that_misbehaves_still_ends_in_one_delivery(start, messenger, simulator, fault):
    core = await start(timing=replace(FAST, expected_seconds=0.3))
    await warm_up(core, None, {})

    job = await run_one(core, f"a fox [sim:cb-{fault}]")

    assert [j for j, _ in messenger.delivered].count(job.id) == 1 and job.state is JobState.DELIVERED
    assert len(simulator.billed) == 4  # one paid call per job, whatever the callbacks did
    if fault == "wrong-path":
        assert any(c["status"] == 404 for c in simulator.callbacks.sent if c["task_id"] == job.task_id)


async def test_with_callbacks_switched_off_mid_run_the_schedule_comes_back_and_every_job_is_delivered(
        start, messenger, simulator):
    core = await start(timing=replace(FAST, expected_seconds=1.0))
    await warm_up(core, None, {})
    simulator.configure(callbacks="off")

    tickets = [await core.submit(request("video", f"fox {n}")) for n in range(12)]
    await core.wait_idle()

    assert sorted(j for j, _ in messenger.delivered if j in {t.job_id for t in tickets}) == \
        sorted(t.job_id for t in tickets)
    assert not core._runner.wakeups.arriving("T2V-01")  # none of the last ten was woken
    assert await ledger_balances(core)
