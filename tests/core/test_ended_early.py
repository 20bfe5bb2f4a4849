"""The runner remembers a job cancelled before its launch (so that the launch is a no-op),
but only the latest ones: a front process, whose cancels are of jobs it never launches,
does not keep one entry per cancel for the rest of its life."""

from __future__ import annotations

import bot.jobs.runner as runner_module
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request

KEPT = 50  # bot.jobs.runner.ENDED_EARLY_KEPT, smaller so that the test goes past it quickly


async def test_cancels_of_jobs_never_launched_here_stay_bounded_and_the_latest_still_keeps_its_job_from_running(
        make_core, monkeypatch):
    monkeypatch.setattr(runner_module, "ENDED_EARLY_KEPT", KEPT)
    front = await make_core(runs_jobs=False, daily_credits=10_000, max_in_flight=10_000)
    front.register("test", RecordingMessenger())
    await front.start()
    cancelled = []
    for i in range(3 * KEPT):
        ticket = await front.submit(request("image", f"a fox {i}"))
        await front.cancel(ticket.job_id, ALICE)
        cancelled.append(ticket.job_id)
    runner = front._runner
    assert len(runner._ended_early) == KEPT
    assert list(runner._ended_early) == cancelled[-KEPT:]  # the latest are the ones that matter

    runner.launch(await front.job(cancelled[-1]))  # its launch comes after the cancel: not run
    assert runner.active == 0 and cancelled[-1] not in runner._ended_early
