"""One job's life, top to bottom: submit once, poll, hand over to delivery; or refund.

    queued ──claim──▶ submitting ──paid call taken──▶ running ──Success──▶ ready ──posted──▶ delivered
       ▲                 │  (synchronous images go straight to ready)      │
       └──429/1002/503───┘                                                 └─────▶ failed (refunded)
                  not taken, or any other end ──────────────────────────────────▶ failed (refunded)

Every arrow is a conditional transition in the store: it happens once or not at all, with
its ledger rows. A paid call is sent only after `submitting` is stored, and sent again only
when 302.AI proved it did not take it; an unclear outcome refunds the member but counts as
spend (bot.store.ledger), and the operator is told which job to look up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.catalog import Endpoint, Model
from bot.domain.money import ptc_text
from bot.errors import (
    Ai302Error, AuthFailed, BalanceTooLow, ContentFlagged, OutcomeUnknown, Rejected, RetryLater,
)
from bot.jobs.context import Context
from bot.jobs.delivery import Delivery
from bot.jobs.durations import Durations
from bot.domain.job import IN_FLIGHT, Job, JobState
from bot.jobs.payloads import image_payload, unified_video_payload, video_payload
from bot.jobs.schedule import EARLY_LOOKS, PollSchedule, SafetyPoll, finish_estimate
from bot.jobs.wakeups import Wakeups
from bot.jobs import texts

__all__ = ["JobLife"]

log = logging.getLogger(__name__)


class _Deadline(Exception):
    """The job's deadline passed before 302.AI finished."""


class _NotTaken(Exception):
    """302.AI proved it did not take the paid call; the job is queued again."""

    def __init__(self, job: Job, error: RetryLater):
        super().__init__(error.detail)
        self.job, self.error = job, error


class JobLife:
    def __init__(self, ctx: Context, durations: Durations, *, wakeups: Wakeups | None = None,
                 callback_url: Callable[[str], str] | None = None):
        """`callback_url`: the job's callback address, given to 302.AI with the paid call
        (bot.callbacks); None when no public URL is configured. `wakeups` lets callbacks
        wake the job's poll."""
        self._ctx, self._durations = ctx, durations
        self._callback_url = callback_url if wakeups is not None else None
        self._wakeups = wakeups if callback_url is not None else None
        self.delivery = Delivery(ctx, on_delivered=durations.learn)

    async def run(self, job: Job) -> Job:
        """Step `job` until it has ended (delivered or failed); returns the ended job."""
        while job.state in IN_FLIGHT:
            moved = await self._step(job)
            job = moved if moved is not None else await self._reload(job)
        return job

    async def _reload(self, job: Job) -> Job:
        # A transition found the job elsewhere than we thought: carry on from the stored state.
        stored = await self._ctx.store.job(job.id)
        if stored is None or stored.state is job.state:
            raise RuntimeError(f"job {job.id}: a move from {job.state} was refused, yet it is still stored "
                               f"as {stored.state if stored else 'missing'}")
        return stored

    async def _step(self, job: Job) -> Job | None:
        model = self._ctx.catalog.get(job.model)
        try:
            if job.state is JobState.QUEUED:
                return await self._submit(job, model)
            if job.state is JobState.SUBMITTING:
                # found on start: this process (or a killed one) sent a paid call it never heard back from
                return await self.unconfirmed(job, "the bot stopped while the call was under way")
            if job.state is JobState.RUNNING:
                return await self._poll(job, model)
            return await self.delivery.deliver(job, model)
        except _Deadline:
            return await self._ctx.refund(job, texts.TOO_SLOW)
        except Ai302Error as err:
            return await self._give_up(job, err)

    # -- endings ----------------------------------------------------------------------------------

    async def unconfirmed(self, job: Job, detail: str) -> Job | None:
        sent = datetime.fromtimestamp(job.submitted_at or job.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        log.error("job %s: 302.AI may have accepted (and billed) its %s call without confirming it (%s). "
                  "It was not sent again; the member was refunded and its %s PTC count against the "
                  "bot-wide ceiling. Check the 302.AI console's usage log around %s UTC.",
                  job.id, job.model, detail, ptc_text(job.cost_mptc), sent)
        return await self._ctx.refund(job, OutcomeUnknown.user_message)

    async def _give_up(self, job: Job, err: Ai302Error) -> Job | None:
        if isinstance(err, BalanceTooLow):
            self._ctx.balance.doubt()  # until a paid call is accepted again
        if isinstance(err, AuthFailed | BalanceTooLow):
            log.error("302.AI refused job %s: %s. The operator must act (AI302_API_KEY / balance).",
                      job.id, err.detail)
            await self._ctx.tell(self._ctx.on_account_problem,
                                 "auth" if isinstance(err, AuthFailed) else "balance", err.detail)
        else:
            log.warning("job %s failed: %s", job.id, err.detail)
        if isinstance(err, RetryLater):
            reason = texts.TOO_SLOW
        elif isinstance(err, ContentFlagged | AuthFailed | BalanceTooLow):
            reason = texts.credits_back(err.user_message)
        else:
            reason = texts.GEN_FAILED
        return await self._ctx.refund(job, reason, refused=isinstance(err, Rejected))

    def _check_deadline(self, job: Job) -> None:
        if self._ctx.clock() >= job.deadline_at:
            raise _Deadline

    # -- queued → submitting → running / ready ----------------------------------------------------

    async def _submit(self, job: Job, model: Model) -> Job | None:
        ctx = self._ctx
        # queued again each time 302.AI proves it did not take the call, until the job's deadline
        async for attempt in ctx.tries(job.deadline_at):
            self._check_deadline(job)
            payload = await self._payload(job, model)  # before the claim: nothing paid can fail here
            async with ctx.balance.turn():  # one at a time while the balance is in doubt
                # in line for a request slot: the member sees their place as the line moves
                await ctx.slots.acquire(job.id, lambda place: ctx.progress(job, "queued", position=place))
                try:
                    # shielded: a stop waits for the answer instead of cutting a paid call in half
                    return await ctx.settle(self._send(job, model, payload))
                except _NotTaken as not_taken:
                    job, err = not_taken.job, not_taken.error
            wait = attempt.failed(err)
            if wait is None:
                break
            log.info("job %s: 302.AI busy (%s); try %d in %.1fs", job.id, err.detail, attempt.number + 1, wait)
        log.warning("job %s: 302.AI would not take it before its deadline (%s); giving up", job.id, err.detail)
        return await ctx.refund(job, texts.TOO_BUSY, refused=True)

    async def _payload(self, job: Job, model: Model) -> dict:
        image = await self._ctx.store.image(job.id) if job.has_image else None
        inputs = await self._ctx.store.inputs(job.id) if job.inputs else None  # a last frame, a video
        if model.endpoint is Endpoint.UNIFIED_VIDEO:
            return unified_video_payload(job, model, image, inputs)
        if model.output == "video":
            return video_payload(job, model, image, callback=self._callback_for(job), inputs=inputs)
        return image_payload(job, model, image)

    async def _send(self, job: Job, model: Model, payload: dict) -> Job | None:
        """The one place a paid call is made. Holds a request slot, which it releases."""
        ctx = self._ctx
        try:
            claimed = await ctx.store.claim(job)
            if claimed is None:
                return None
            sent_at = ctx.clock()
            try:
                if model.endpoint is Endpoint.UNIFIED_VIDEO:
                    changes = {"task_id": await ctx.client.create_video(payload, webhook=self._callback_for(job))}
                elif model.output == "video":
                    changes = {"task_id": await ctx.client.submit_video(payload)}
                elif model.asynchronous:  # an image drawn while it is polled, like a video
                    changes = {"task_id": await ctx.client.create_image(payload)}
                elif model.endpoint is Endpoint.MINIMAX_IMAGE:
                    changes = {"result_url": (await ctx.client.minimax_image(payload))[0], "ready_at": ctx.clock()}
                else:
                    changes = {"result_url": await ctx.client.unified_image(payload), "ready_at": ctx.clock()}
            except RetryLater as err:
                back = await ctx.write("a retry", claimed, lambda: ctx.store.unclaim(claimed))
                raise _NotTaken(back or claimed, err) from None
            except OutcomeUnknown as err:
                return await self.unconfirmed(claimed, err.detail)
            except Rejected as err:
                return await self._give_up(claimed, err)
        finally:
            ctx.slots.release()
        ctx.balance.proved()  # 302.AI took a paid call: the balance is there
        moved = await ctx.write("an accepted call", claimed,
                                lambda: ctx.store.accepted(claimed, sent_at, **changes))
        await ctx.tell(ctx.on_spend)
        if moved is not None and moved.state is JobState.RUNNING:
            await ctx.progress(moved, "submitted")
        return moved

    def _callback_for(self, job: Job) -> str | None:
        return self._callback_url(job.id) if self._callback_url is not None else None

    # -- running → ready --------------------------------------------------------------------------

    async def _poll(self, job: Job, model: Model) -> Job | None:
        wakeups = self._wakeups
        with wakeups.watching(job.id) if wakeups is not None else contextlib.nullcontext():
            return await self._poll_watched(job, model)

    async def _nap(self, job: Job, model: Model, schedule: PollSchedule, safety: list[SafetyPoll],
                   elapsed: float, since: float | None, overdue_polls: int) -> bool:
        """Sleep until the next query; True when a callback woke the job for it (bot.jobs.wakeups).
        While callbacks arrive for the model, the schedule is only a sparse safety net, planned
        once per job (`safety` holds it): a p90 read again at each look would chase the
        durations learned meanwhile, one look after another."""
        ctx, wakeups = self._ctx, self._wakeups
        if wakeups is not None and wakeups.arriving(model.name):
            if not safety:
                _, p90 = await self._durations.estimate(model)
                safety.append(SafetyPoll(p90, ctx.timing.min_poll_interval))
            delay = safety[0].next_delay(elapsed, since)
        else:
            delay = schedule.next_delay(elapsed, since, overdue_polls)
        delay = min(delay, max(0.0, job.deadline_at - ctx.clock()))
        if wakeups is None:
            await asyncio.sleep(delay)
            return False
        return await wakeups.sleep(job.id, delay)

    async def _poll_watched(self, job: Job, model: Model) -> Job | None:
        ctx = self._ctx
        # the model's family picks the endpoint: 302.AI's unified fetches name the video (or the
        # pictures) themselves, MiniMax's query names a file to look up
        minimax = model.endpoint is Endpoint.MINIMAX_VIDEO
        query = (ctx.client.query_video if minimax else
                 ctx.client.fetch_image if model.output == "image" else ctx.client.fetch_video)
        spread = await self._durations.spread(model)
        schedule = PollSchedule(spread, ctx.timing.min_poll_interval, ctx.timing.max_poll_interval,
                                look_early=ctx.rng.random() < EARLY_LOOKS, lag_floor=ctx.timing.poll_lag_floor)
        submitted = job.submitted_at or job.created_at
        last_query: float | None = None  # seconds after submission
        last_pending: float | None = None
        overdue_polls = polls = 0
        safety: list[SafetyPoll] = []  # the safety net's plan, once callbacks are seen to arrive
        while True:
            elapsed = ctx.clock() - submitted
            since = None if last_query is None else elapsed - last_query
            woken = await self._nap(job, model, schedule, safety, elapsed, since, overdue_polls)
            # Ask before judging the deadline: a job resumed after a long stop has usually
            # finished at 302.AI, and its video is paid for and waiting.
            status = await self._free(job, lambda: query(job.task_id))
            last_query = ctx.clock() - submitted
            if last_query >= spread.hi:
                overdue_polls += 1
            polls += 1
            if (status.finished or status.failed) and self._wakeups is not None:
                self._wakeups.record(model.name, woken)
            if status.finished:
                if ctx.metrics:
                    ctx.metrics.polls.observe(polls)
                # a woken query came as the callback did, about when the video was done
                finished_at = submitted + (last_query if woken else
                                           finish_estimate(last_pending, last_query, spread, ctx.rng.random()))
                if minimax:
                    info = await self._free(job, lambda: ctx.client.retrieve_file(status.file_id))
                    file_id, urls = info.file_id, (info.download_url,)
                else:  # no file to look up: the URLs are the result (several pictures, at times)
                    file_id, urls = None, status.urls
                return await ctx.write("a finished result", job,
                                       lambda: ctx.store.ready(job, file_id, urls[0], finished_at, urls=urls))
            if status.failed:
                log.info("job %s: 302.AI reports %s for task %s", job.id, status.status, job.task_id)
                return await ctx.refund(job, texts.GEN_FAILED)
            last_pending = last_query
            if not status.known:
                log.info("job %s: 302.AI reports an undocumented status %r; still waiting", job.id, status.status)
            self._check_deadline(job)
            await ctx.progress(job, status.stage, spread.median)

    async def _free(self, job: Job, call):
        """A free 302.AI call about a billed video, asked again on RetryLater until the job's
        deadline plus the grace (from now, for a job resumed after its deadline): the video is
        paid for, and 302.AI usually finishes it whatever our queries met meanwhile."""
        ctx = self._ctx
        async for attempt in ctx.tries(job.deadline_at, grace=ctx.timing.query_grace):
            try:
                async with ctx.slots:
                    return await call()
            except RetryLater as err:
                wait = attempt.failed(err)
                if wait is None:
                    raise
                log.info("job %s: 302.AI busy (%s); try %d in %.1fs", job.id, err.detail, attempt.number + 1, wait)
        raise AssertionError("unreachable: the last failed try raises")
