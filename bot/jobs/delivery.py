"""Getting a ready result, or a failure notice, into the chat: once, and until a deadline.

A platform outage, flood control or a file host hiccup is waited out with jittered backoff
(a platform's own requested wait is obeyed in full) until the delivery window closes: a
paid result is not thrown away after a few tries. A post the platform accepted is never
repeated: the post and its bookkeeping run shielded from cancellation, and when the
database refuses the bookkeeping only the write is retried.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import urlparse

from bot.catalog import Model
from bot.errors import Ai302Error, DestinationGone, DownloadFailed, RetryLater
from bot.jobs import texts
from bot.jobs.context import Context
from bot.jobs.fresh_url import fresh_url, refreshable
from bot.domain.job import Job, JobState
from bot.jobs.retry import asked_wait
from bot.ports import Messenger, Result

__all__ = ["Delivery", "result_for", "MAX_PER_POST"]

log = logging.getLogger(__name__)

# Pictures one post carries: Telegram's album and Discord's message both stop at ten
MAX_PER_POST = 10


class Delivery:
    def __init__(self, ctx: Context, on_delivered: Callable[[Job], None]):
        self._ctx, self._on_delivered = ctx, on_delivered
        # posted but not recorded (the database kept refusing): never posted again by this process
        self._posted: set[str] = set()

    async def deliver(self, job: Job, model: Model) -> Job | None:
        ctx = self._ctx
        if job.id in self._posted:
            return replace(job, state=JobState.DELIVERED)
        # the stored state, not our copy: a result is posted only while the job is still ready
        stored = await ctx.store.job(job.id)
        if stored is None or stored.state is not JobState.READY:
            return stored
        job, messenger = stored, ctx.messenger(stored.requester.platform)
        if job.posting and await self._already_posted(job, messenger):
            return await ctx.settle(self._record(job))
        until = (job.ready_at or ctx.clock()) + ctx.timing.delivery_window
        fetching = None
        if ctx.timing.fetching_after > 0:
            fetching = asyncio.create_task(self._fetching(job), name=f"fetching-{job.id}")
        else:
            await ctx.progress(job, "downloading")
        try:
            return await self._deliver(job, model, messenger, until, fetching)
        finally:
            await _quiet(fetching)

    async def _fetching(self, job: Job) -> None:
        await asyncio.sleep(self._ctx.timing.fetching_after)
        await self._ctx.progress(job, "downloading")

    async def _deliver(self, job: Job, model: Model, messenger: Messenger, until: float,
                       fetching: asyncio.Task | None) -> Job | None:
        ctx = self._ctx
        async for attempt in ctx.tries(until, cap=ctx.timing.delivery_retry_max):
            try:
                limit = min(messenger.upload_limit(job), ctx.max_download_bytes)
                result = await self._download(job, model, limit)
                await _quiet(fetching)  # a late "Fetching" must not land after the result's own status
                return await ctx.settle(self._post(job, messenger, result))
            except asyncio.CancelledError:
                raise
            except DestinationGone as gone:
                log.warning("job %s: its chat is gone (%s); refunding", job.id, gone)
                return await ctx.refund(job, texts.NOT_POSTED)
            except Exception as exc:  # the platform or the file host failed: wait and try again
                wait = attempt.failed(exc)
                if wait is None:
                    log.error("job %s: could not deliver within %.0fs of it being ready (%s); refunding",
                              job.id, ctx.timing.delivery_window, exc)
                    return await ctx.refund(job, texts.NOT_POSTED)
                log.warning("job %s: delivery failed (%s: %s); try %d in %.1fs",
                            job.id, type(exc).__name__, exc, attempt.number + 1, wait)
                self._count_failure(job, exc)
                if isinstance(exc, DownloadFailed):
                    refreshed = await self._refresh_url(job, until)
                    if refreshed is None:  # gone at 302.AI: no later try can post it
                        return await ctx.refund(job, texts.credits_back(texts.RESULT_GONE))
                    job = refreshed
                elif attempt.number == 1:
                    await ctx.progress(job, "waiting")
        raise AssertionError("unreachable: the last failed try refunds")

    async def _download(self, job: Job, model: Model, limit: int) -> Result:
        """The result; for an answer of several pictures, the others with it (`more`), each
        download capped at `limit` (None beyond it: that one goes as a link). All are fetched
        before anything is posted, so that they reach the chat as one post."""
        urls = job.result_urls or (job.result_url or "",)
        if len(urls) > MAX_PER_POST:
            log.warning("job %s: 302.AI drew %d pictures; one post carries the first %d",
                        job.id, len(urls), MAX_PER_POST)
        results = []
        for index, url in enumerate(urls[:MAX_PER_POST]):
            async with self._ctx.slots:
                data = await self._ctx.client.download(url, limit)
            results.append(result_for(job, model, data, url=url, index=index))
        return replace(results[0], more=tuple(results[1:]))

    async def _already_posted(self, job: Job, messenger: Messenger) -> bool:
        in_place = getattr(messenger, "posts_again_in_place", None)
        if in_place is not None and in_place(job):
            log.info("job %s: a post was under way when the bot stopped; it replaces its placeholder, so it is made "
                     "again in the same message", job.id)
            return False
        find = getattr(messenger, "find_post", None)
        found = None
        if find is not None:
            try:
                found = await find(job)
            except Exception as exc:
                log.warning("job %s: could not look for an earlier post (%s)", job.id, exc)
        if found is None:
            log.warning("job %s: a post was under way when the bot stopped and %s cannot tell whether it "
                        "arrived; posting it again", job.id, job.requester.platform)
        return bool(found)

    async def _post(self, job: Job, messenger: Messenger, result: Result) -> Job:
        if not job.posting:
            marked = await self._ctx.write("a post under way", job, lambda: self._ctx.store.mark_posting(job))
            if marked is None:  # it ended elsewhere meanwhile: nothing to post
                return await self._ctx.store.job(job.id) or replace(job, state=JobState.FAILED)
            job = marked
        job = await self._ctx.addressed(job)  # the status message to finish may be newer than the job in hand
        await messenger.deliver(job, result)
        return await self._record(job)

    async def _record(self, job: Job) -> Job:
        # The member has the result: only the bookkeeping may be retried.
        try:
            delivered = await self._ctx.write("a delivery", job,
                                              lambda: self._ctx.store.deliver(job, self._ctx.clock()))
        except Exception as exc:
            self._posted.add(job.id)
            log.error("job %s: posted, but the database would not record it (%s). It will not be posted "
                      "again by this process; a restart before the database recovers would post it again.",
                      job.id, exc)
            return replace(job, state=JobState.DELIVERED, notified=True)
        if delivered is None:
            log.warning("job %s: posted, but it had already ended elsewhere", job.id)
            return await self._ctx.store.job(job.id) or replace(job, state=JobState.DELIVERED)
        if self._ctx.metrics and delivered.ready_at and delivered.finished_at:
            self._ctx.metrics.delivery_lag.labels(job.requester.platform).observe(
                max(0.0, delivered.finished_at - delivered.ready_at))
        self._on_delivered(delivered)
        return delivered

    def _count_failure(self, job: Job, exc: Exception) -> None:
        metrics = self._ctx.metrics
        if metrics is None or isinstance(exc, DownloadFailed):
            return
        platform = job.requester.platform
        metrics.send_errors.labels(platform).inc()
        if (asked := asked_wait(exc)) is not None:
            metrics.flood_waits.labels(platform).inc()
            metrics.flood_seconds.labels(platform).inc(asked)

    async def _refresh_url(self, job: Job, until: float) -> Job | None:
        """A fresh download URL (they expire after hours: a job delivered late asks again),
        asked again while 302.AI is busy, until the delivery window closes. None: 302.AI no
        longer has the video (bot.jobs.fresh_url)."""
        if not refreshable(job):
            return job
        ctx = self._ctx
        async for attempt in ctx.tries(until):
            try:
                async with ctx.slots:
                    url = await fresh_url(ctx.client, job)
            except RetryLater as err:
                if attempt.failed(err) is None:
                    break
                continue
            except Ai302Error as err:
                log.warning("job %s: could not refresh the download URL: %s", job.id, err.detail)
                return job
            if url is None:
                log.warning("job %s: 302.AI no longer has its video (task %s)", job.id, job.task_id)
                return None
            return await ctx.store.update(job, result_url=url)
        log.warning("job %s: 302.AI stayed busy; the download URL was not refreshed", job.id)
        return job

    # -- failure notices --------------------------------------------------------------------------

    async def notify(self, job: Job) -> None:
        """Tell the member why a failed job failed, until the delivery window closes."""
        ctx = self._ctx
        if job.state is not JobState.FAILED or job.notified:
            return
        messenger = ctx.messengers.get(job.requester.platform)
        if messenger is None:
            return  # told when that platform's adapter runs again
        if job.posting and await self._already_posted(job, messenger):
            await self._told(job)
            return
        until = (job.finished_at or ctx.clock()) + ctx.timing.delivery_window
        async for attempt in ctx.tries(until, cap=ctx.timing.delivery_retry_max):
            try:
                await ctx.settle(self._post_notice(job, messenger))
                return
            except asyncio.CancelledError:
                raise
            except DestinationGone as gone:
                log.warning("job %s: cannot tell the member it failed, their chat is gone (%s)", job.id, gone)
                await self._told(job)
                return
            except Exception as exc:
                wait = attempt.failed(exc)
                if wait is None:
                    log.error("job %s: gave up telling the member it failed (%s)", job.id, exc)
                    await self._told(job)
                    return
                log.warning("job %s: could not tell the member it failed (%s); try %d in %.1fs",
                            job.id, exc, attempt.number + 1, wait)

    async def _told(self, job: Job) -> None:
        """Record that the member was told (or can never be): the notice is not sent again."""
        await self._ctx.write("a notice", job, lambda: self._ctx.store.mark_notified(job))

    async def _post_notice(self, job: Job, messenger: Messenger) -> Job:
        if not job.posting:
            job = await self._ctx.write("a notice under way", job, lambda: self._ctx.store.mark_posting(job)) or job
        job = await self._ctx.addressed(job)
        await messenger.fail(job, job.failure or texts.UNEXPECTED)
        try:
            await self._told(job)
        except Exception as exc:  # told already: a restart looks before telling again
            log.error("job %s: member told, but the database would not record it (%s)", job.id, exc)
        return job


async def _quiet(task: asyncio.Task | None) -> None:
    """Stop a courtesy task (a progress step) and wait until it has stopped."""
    if task is None:
        return
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def result_for(job: Job, model: Model, data: bytes | None, *, url: str | None = None, index: int = 0) -> Result:
    """`url`: one picture of several (`index` from 0), else the job's result. Every file name
    holds the job id: Discord finds a post by it after a crash (find_post)."""
    url = (job.result_url or "") if url is None else url
    suffix = PurePosixPath(urlparse(url).path).suffix.lower()
    if model.output == "video" or suffix not in (".png", ".jpg", ".jpeg", ".webp"):
        suffix = ".mp4" if model.output == "video" else ".png"
    mime = mimetypes.types_map.get(suffix, "application/octet-stream")
    name = f"reelbot-{job.id}{suffix}" if index == 0 else f"reelbot-{job.id}-{index + 1}{suffix}"
    return Result(kind=model.output, filename=name, mime=mime,
                  url=url, data=data, size=len(data) if data is not None else None)
