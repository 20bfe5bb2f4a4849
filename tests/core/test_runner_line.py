"""Queued jobs beyond the runner's LINE_TASKS wait without a task of their own (a stored job
in the runner's line), are counted as in flight, start in their order as slots free, and a
cancel while they wait there ends them without a paid call."""

from __future__ import annotations

import bot.jobs.runner as runner_module
from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import ALICE, ledger_balances, request

LINE = 3  # bot.jobs.runner.LINE_TASKS, small so that a few jobs go past it


async def test_queued_jobs_past_the_line_wait_without_a_task_and_all_run_in_order_once_slots_free(
        make_core, monkeypatch):
    monkeypatch.setattr(runner_module, "LINE_TASKS", LINE)
    core = await make_core(max_concurrent_requests=1, daily_credits=10_000, max_in_flight=10_000)
    messenger = RecordingMessenger()
    core.register("test", messenger)
    await core.start()
    runner = core._runner
    first = await core.submit(request("image", "a slow fox [sim:slow=5]"))
    await wait_for(lambda: runner._ctx.slots._free == 0, what="the first job holding the only slot")
    tickets = [await core.submit(request("image", f"a fox {i}")) for i in range(9)]

    assert core.busy_jobs == 10  # every accepted job counts as in flight
    assert len(runner._tasks) == 1 + LINE  # the one with the slot, and LINE waiting in line
    assert list(runner._later) == [t.job_id for t in tickets[LINE:]]  # the rest, oldest first

    cancelled = tickets[-1].job_id
    await core.cancel(cancelled, ALICE)
    assert cancelled not in runner._later

    await wait_for(lambda: len(messenger.delivered) == 9, timeout=30, what="the nine others delivered")
    await core.wait_idle()
    assert [job_id for job_id, _ in messenger.delivered] == [first.job_id, *(t.job_id for t in tickets[:-1])]
    assert messenger.outcomes(cancelled) == 0  # the answer to the press was its notice
    assert (await core.job(cancelled)).task_id is None and (await core.job(cancelled)).result_url is None
    assert await ledger_balances(core)
