"""Carries each accepted job to its end: delivered and charged, or refunded and explained.

The runner owns the jobs' tasks: one per job in this process (launching a job twice is a
no-op), resumed from the database on start, stopped without cutting a paid call or a post
in half. What a job does step by step is in bot.jobs.life; how its result reaches the chat
in bot.jobs.delivery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog
from bot.jobs import texts
from bot.jobs.context import Context, Timing
from bot.errors import LeaseLost
from bot.jobs.durations import Durations
from bot.jobs.leases import LeaseKeeper
from bot.jobs.life import JobLife
from bot.domain.job import IN_FLIGHT, Job, JobState
from bot.jobs.slots import RequestSlots
from bot.jobs.wakeups import Wakeups
from bot.ports import Messenger
from bot.store.jobs import JobStore
from bot.store.leases import LeaseStore

__all__ = ["JobRunner", "Timing"]

log = logging.getLogger(__name__)
T = TypeVar("T")
# Cancels remembered for a launch that has not come yet. A cancel in the instant between a
# job's acknowledgement and its launch needs only the latest few; most entries belong to jobs
# this process never launches (a front's, another worker's) and would otherwise pile up for
# good. Forgetting one costs nothing but a wasted turn in line: the launched job finds itself
# cancelled at its claim, before any paid call, and its member was answered already.
ENDED_EARLY_KEPT = 1024
# Queued jobs with a task of their own waiting for a 302.AI request slot; the others wait as
# a stored Job in a line of the runner's, with no task, until one of these gets its slot.
# A task and its chain of paused calls cost more than the job itself, and a burst of 50,000
# waits minutes in line: they need a task only when their turn is near. Those beyond are
# shown their place in line once they reach it (place 1000 or so, a reported place).
LINE_TASKS = 1000


class JobRunner:
    def __init__(self, store: JobStore, client: Ai302Client, catalog: Catalog, timing: Timing, *,
                 leases: LeaseStore, shared: bool, max_download_bytes: int, max_concurrent_requests: int = 32,
                 look_every: float = 2.0, clock: Callable[[], float] = time.time,
                 callback_url: Callable[[str], str] | None = None):
        """Jobs run under leases held by `leases.owner`; `shared`: other workers use the same
        database, so the leases are renewed and the jobs of workers that die taken over.
        `callback_url`: each job's callback address (bot.callbacks), when 302.AI can reach one;
        callbacks then wake the jobs' polls through `wakeups`."""
        slots = RequestSlots(max_concurrent_requests, report_after=timing.position_after,
                             report_every=timing.position_every)
        self._ctx = Context(store, client, catalog, timing, clock, slots, max_download_bytes, self._settle)
        durations = Durations(store, timing.expected_seconds)
        self._ctx.estimate = durations.estimate
        self.wakeups = Wakeups()
        self._life = JobLife(self._ctx, durations, wakeups=self.wakeups, callback_url=callback_url)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # queued jobs launched without a task yet (oldest first), and those with a task still
        # waiting for their first slot (LINE_TASKS at most)
        self._later: dict[str, Job] = {}
        self._in_line: set[str] = set()
        slots.on_granted = self._slot_granted
        self._settling: set[asyncio.Task[Any]] = set()
        # cancelled between acceptance and launch: not to run (oldest first, ENDED_EARLY_KEPT at most)
        self._ended_early: dict[str, None] = {}
        self._stopping = False
        self._keeper = LeaseKeeper(leases, launch=self.launch, running=lambda: [*self._tasks, *self._later],
                                   platforms=lambda: list(self._ctx.messengers), shared=shared,
                                   clock=clock, look_every=look_every)

    # -- lifecycle --------------------------------------------------------------------------------

    def register(self, platform: str, messenger: Messenger) -> None:
        self._ctx.messengers[platform] = messenger

    def messenger(self, platform: str) -> Messenger:
        return self._ctx.messenger(platform)

    @property
    def messengers(self) -> dict[str, Messenger]:
        return self._ctx.messengers

    def measure(self, metrics) -> None:
        self._ctx.metrics = metrics

    def watch(self, on_account_problem, on_spend) -> None:
        """Who hears about 302.AI refusing the operator's account, and about each paid call."""
        self._ctx.on_account_problem, self._ctx.on_spend = on_account_problem, on_spend

    async def resume(self) -> int:
        """Carry on this worker's share of the unfinished jobs (of the platforms registered);
        returns how many were picked up."""
        return await self._keeper.start()

    def launch(self, job: Job) -> None:
        """Run `job` in this process, unless it already runs here."""
        if self._stopping or job.id in self._tasks or job.id in self._later:
            return  # stopping: it is stored, and the next start runs it
        if job.id in self._ended_early:
            del self._ended_early[job.id]
            return
        if job.state is JobState.QUEUED:
            if len(self._in_line) >= LINE_TASKS:
                self._later[job.id] = job
                return
            self._in_line.add(job.id)
        self._start(job)

    def _start(self, job: Job) -> None:
        task = asyncio.create_task(self._run(job), name=job.id)
        self._tasks[job.id] = task
        task.add_done_callback(self._ended)  # a bound method, not a closure per job

    def _ended(self, task: asyncio.Task[None]) -> None:
        # named by its job's id (launch); only one task per job runs here at a time
        job_id = task.get_name()
        if self._tasks.get(job_id) is task:
            del self._tasks[job_id]
        self._slot_granted(job_id)

    def _slot_granted(self, job_id: str) -> None:
        """`job_id` left the line (its slot came, or its task ended): the next may take its place."""
        if job_id not in self._in_line:
            return
        self._in_line.discard(job_id)
        while self._later and len(self._in_line) < LINE_TASKS and not self._stopping:
            job = self._later.pop(next(iter(self._later)))
            self._in_line.add(job.id)
            self._start(job)

    async def forget(self, job_id: str) -> None:
        """Stop the task of a job that ended elsewhere (cancelled by its member while queued):
        it gives up its place in line at once instead of waiting there for a slot it may no
        longer use. Safe, because a job that left `queued` that way can never be claimed."""
        if self._later.pop(job_id, None) is not None:
            return  # not started yet: nothing to stop
        task = self._tasks.get(job_id)
        if task is None:
            # cancelled in the instant between its acknowledgement and its launch (or it runs elsewhere)
            self._ended_early[job_id] = None
            if len(self._ended_early) > ENDED_EARLY_KEPT:
                del self._ended_early[next(iter(self._ended_early))]
            return
        if task is asyncio.current_task():
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def wait_idle(self) -> None:
        while self._tasks or self._settling or self._later:
            await asyncio.gather(*self._tasks.values(), *self._settling, return_exceptions=True)

    async def stop(self) -> None:
        """Stop working; every job keeps its stored state and resumes on the next start.
        Paid calls, posts and refunds already under way finish first."""
        self._stopping = True
        self._later.clear()  # stored: the next start runs them
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*self._settling, return_exceptions=True)
        await self._keeper.stop()

    @property
    def active(self) -> int:
        return len(self._tasks) + len(self._later)

    # -- one job ----------------------------------------------------------------------------------

    async def _run(self, job: Job) -> None:
        try:
            job = await self._life.run(job)
        except asyncio.CancelledError:
            raise
        except LeaseLost as lost:
            log.warning("job %s: %s; this worker stops running it", job.id, lost)
            return
        except Exception:
            log.exception("job %s: unexpected error", job.id)
            job = await self._fail_unexpectedly(job)
        if job is not None:
            await self._life.delivery.notify(job)

    async def _fail_unexpectedly(self, job: Job) -> Job | None:
        try:
            stored = await self._ctx.store.job(job.id)
            if stored is None or stored.state not in IN_FLIGHT:
                return stored
            if stored.state is JobState.SUBMITTING:
                return await self._life.unconfirmed(stored, "an unexpected error during the call")
            return await self._ctx.refund(stored, texts.UNEXPECTED)
        except Exception:
            log.exception("job %s: could not refund it after an unexpected error; the next start will", job.id)
            return None

    async def _settle(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a step that must not be cut in half (a paid call, a post, a refund) so that
        cancelling the job waits for it instead."""
        task = asyncio.ensure_future(work)
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)
        return await asyncio.shield(task)
