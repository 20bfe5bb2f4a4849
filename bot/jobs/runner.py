"""Carries each accepted job to its end: delivered and charged, or refunded and explained.

A job is a small state machine (bot.jobs.model.JobState). Each step reads the stored job,
does one piece of I/O, and stores the new state before the next step, so a runner started
on the same database after a crash carries every job on from where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlparse

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog, Endpoint, Model
from bot.errors import (
    Ai302Error, AuthFailed, BalanceTooLow, ContentFlagged, DestinationGone, DownloadFailed, RetryLater,
)
from bot.jobs.model import IN_FLIGHT, Job, JobState
from bot.jobs.payloads import image_payload, video_payload
from bot.jobs.schedule import PollSchedule, expected_duration
from bot.ports import Messenger, Progress, Result
from bot.store.jobs import JobStore

__all__ = ["JobRunner", "Timing"]

log = logging.getLogger(__name__)
T = TypeVar("T")

TOO_SLOW = "302.AI did not finish it in time. Your credits are back; please try again later."
GEN_FAILED = "302.AI could not make this one. Your credits are back; try another prompt or image."
NOT_POSTED = "The result was ready but could not be posted here. Your credits are back."
UNEXPECTED = "Something went wrong on our side. Your credits are back; please try again."


@dataclass(frozen=True)
class Timing:
    min_poll_interval: float = 3.0
    max_poll_interval: float = 60.0
    retry_base: float = 2.0  # first wait after a transient error; doubles each time
    retry_max: float = 60.0
    max_retries: int = 6  # transient errors in a row, in one step, before the job is given up
    expected_seconds: float | None = None  # overrides every model's prior (demo, tests)


class JobRunner:
    def __init__(self, store: JobStore, client: Ai302Client, catalog: Catalog, timing: Timing, *,
                 max_download_bytes: int, max_concurrent_requests: int = 32,
                 clock: Callable[[], float] = time.time):
        self._store, self._client, self._catalog = store, client, catalog
        self._timing, self._clock = timing, clock
        self._max_download = max_download_bytes
        self._slots = asyncio.Semaphore(max_concurrent_requests)
        self._messengers: dict[str, Messenger] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._settling: set[asyncio.Task[Any]] = set()
        self._durations: dict[str, deque[float]] = {}
        self._stopping = False

    # -- lifecycle --------------------------------------------------------------------------------

    def register(self, platform: str, messenger: Messenger) -> None:
        self._messengers[platform] = messenger

    def messenger(self, platform: str) -> Messenger:
        try:
            return self._messengers[platform]
        except KeyError:
            raise LookupError(f"no messenger registered for platform {platform!r}") from None

    async def resume(self) -> int:
        """Carry on every unfinished job; returns how many were picked up."""
        picked = 0
        for job in await self._store.unfinished():
            if job.requester.platform not in self._messengers:
                log.warning("job %s waits: no %s adapter is running", job.id, job.requester.platform)
                continue
            if job.id not in self._tasks:
                log.info("resuming job %s (%s)", job.id, job.state)
                self.launch(job)
                picked += 1
        return picked

    def launch(self, job: Job) -> None:
        if self._stopping:
            return  # accepted while shutting down: it is stored, and the next start runs it
        task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
        self._tasks[job.id] = task
        task.add_done_callback(lambda _t, job_id=job.id: self._tasks.pop(job_id, None))

    async def wait_idle(self) -> None:
        while self._tasks or self._settling:
            await asyncio.gather(*self._tasks.values(), *self._settling, return_exceptions=True)

    async def stop(self) -> None:
        """Stop working; every job keeps its stored state and resumes on the next start.
        Deliveries and refunds already under way finish first."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # a delivery or refund already under way finishes, so nothing is half-recorded
        await asyncio.gather(*self._settling, return_exceptions=True)

    @property
    def active(self) -> int:
        return len(self._tasks)

    # -- one job ----------------------------------------------------------------------------------

    async def _run(self, job: Job) -> None:
        try:
            while job.state in IN_FLIGHT:
                job = await self._step(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s: unexpected error", job.id)
            job = await self._settle(self._store.refund(job, UNEXPECTED, self._clock()))
        await self._notify(job)

    async def _step(self, job: Job) -> Job:
        model = self._catalog.get(job.model)
        try:
            if job.state is JobState.QUEUED:
                self._check_deadline(job)
                return await self._submit(job, model)
            if job.state is JobState.RUNNING:
                return await self._poll(job, model)
            return await self._deliver(job, model)
        except _Deadline:
            return await self._settle(self._store.refund(job, TOO_SLOW, self._clock()))
        except Ai302Error as err:
            return await self._give_up(job, err)

    async def _give_up(self, job: Job, err: Ai302Error) -> Job:
        if isinstance(err, AuthFailed | BalanceTooLow):
            log.error("302.AI refused job %s: %s. The operator must act (AI302_API_KEY / balance).",
                      job.id, err.detail)
        else:
            log.warning("job %s failed: %s", job.id, err.detail)
        if isinstance(err, RetryLater):
            reason = TOO_SLOW
        elif isinstance(err, ContentFlagged | AuthFailed | BalanceTooLow):
            reason = err.user_message + " Your credits are back."
        else:
            reason = GEN_FAILED
        return await self._settle(self._store.refund(job, reason, self._clock()))

    async def _submit(self, job: Job, model: Model) -> Job:
        now = self._clock()
        if model.output == "video":
            image = await self._store.image(job.id) if job.has_image else None
            payload = video_payload(job, model, image)
            task_id = await self._api(job, lambda: self._client.submit_video(payload))
            job = await self._store.update(job, state=JobState.RUNNING, task_id=task_id, submitted_at=now)
            await self._progress(job, "submitted")
            return job
        payload = image_payload(job, model)
        if model.endpoint is Endpoint.MINIMAX_IMAGE:
            url = (await self._api(job, lambda: self._client.minimax_image(payload)))[0]
        else:
            url = await self._api(job, lambda: self._client.unified_image(payload))
        return await self._store.update(job, state=JobState.READY, result_url=url, submitted_at=now,
                                        ready_at=self._clock())

    async def _poll(self, job: Job, model: Model) -> Job:
        expected = await self._expected(model)
        schedule = PollSchedule(expected, self._timing.min_poll_interval, self._timing.max_poll_interval)
        submitted = job.submitted_at or job.created_at
        overdue_polls = 0
        while True:
            elapsed = self._clock() - submitted
            delay = schedule.next_delay(elapsed, overdue_polls)
            await asyncio.sleep(min(delay, max(0.0, job.deadline_at - self._clock())))
            # Ask before judging the deadline: a job resumed after a long stop has usually
            # finished at 302.AI, and its video is paid for and waiting.
            status = await self._api(job, lambda: self._client.query_video(job.task_id))
            if self._clock() - submitted >= expected:
                overdue_polls += 1
            if status.status == "Success":
                info = await self._api(job, lambda: self._client.retrieve_file(status.file_id))
                return await self._store.update(job, state=JobState.READY, file_id=info.file_id,
                                                result_url=info.download_url, ready_at=self._clock())
            if status.status == "Fail":
                log.info("job %s: 302.AI reports Fail for task %s", job.id, job.task_id)
                return await self._settle(self._store.refund(job, GEN_FAILED, self._clock()))
            self._check_deadline(job)
            await self._progress(job, status.status, expected)

    async def _deliver(self, job: Job, model: Model) -> Job:
        messenger = self.messenger(job.requester.platform)
        limit = min(messenger.upload_limit(job), self._max_download)
        await self._progress(job, "downloading")
        attempt = 0
        while True:
            try:
                async with self._slots:
                    data = await self._client.download(job.result_url, limit)
                result = _result(job, model, data)
                return await self._settle(self._post(job, messenger, result))
            except asyncio.CancelledError:
                raise
            except DestinationGone as gone:
                log.warning("job %s: its chat is gone (%s); refunding", job.id, gone)
                return await self._settle(self._store.refund(job, NOT_POSTED, self._clock()))
            except Exception as exc:  # the platform or the file host failed: both are worth retrying
                attempt += 1
                if attempt > self._timing.max_retries:
                    log.error("job %s: giving up delivery after %d tries: %s", job.id, attempt, exc)
                    return await self._settle(self._store.refund(job, NOT_POSTED, self._clock()))
                log.warning("job %s: delivery failed (%s), retrying", job.id, exc)
                if isinstance(exc, DownloadFailed) and job.file_id:
                    job = await self._refresh_url(job)
                await asyncio.sleep(self._backoff(attempt))

    async def _post(self, job: Job, messenger: Messenger, result: Result) -> Job:
        await messenger.deliver(job, result)
        job = await self._store.deliver(job, self._clock())
        if job.submitted_at and job.ready_at:
            self._durations.setdefault(job.model, deque(maxlen=20)).append(job.ready_at - job.submitted_at)
        return job

    async def _refresh_url(self, job: Job) -> Job:
        # download URLs expire after hours: a job resumed late asks for a fresh one
        try:
            info = await self._api(job, lambda: self._client.retrieve_file(job.file_id))
        except Ai302Error as err:
            log.warning("job %s: could not refresh the download URL: %s", job.id, err.detail)
            return job
        return await self._store.update(job, result_url=info.download_url)

    async def _notify(self, job: Job) -> None:
        if job.state is not JobState.FAILED or job.notified:
            return
        messenger = self._messengers.get(job.requester.platform)
        if messenger is None:
            return  # told when that platform's adapter runs again
        for attempt in range(1, self._timing.max_retries + 1):
            try:
                await messenger.fail(job, job.failure or UNEXPECTED)
                await self._store.update(job, notified=True)
                return
            except asyncio.CancelledError:
                raise
            except DestinationGone as gone:
                log.warning("job %s: cannot tell the member it failed, their chat is gone (%s)", job.id, gone)
                await self._store.update(job, notified=True)
                return
            except Exception as exc:
                log.warning("job %s: could not tell the member it failed (%s)", job.id, exc)
                await asyncio.sleep(self._backoff(attempt))
        # left unnotified: the next start tries again

    # -- helpers ----------------------------------------------------------------------------------

    async def _api(self, job: Job, call: Callable[[], Awaitable[T]]) -> T:
        """One 302.AI call, retried with backoff on RetryLater until tries or the deadline run out."""
        attempt = 0
        while True:
            try:
                async with self._slots:
                    return await call()
            except RetryLater as err:
                attempt += 1
                delay = err.retry_after if err.retry_after is not None else self._backoff(attempt)
                if attempt > self._timing.max_retries or self._clock() + delay > job.deadline_at:
                    raise
                log.info("job %s: 302.AI busy (%s); retry %d in %.1fs", job.id, err.detail, attempt, delay)
                await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        return min(self._timing.retry_max, self._timing.retry_base * 2 ** (attempt - 1))

    def _check_deadline(self, job: Job) -> None:
        if self._clock() >= job.deadline_at:
            raise _Deadline

    async def _expected(self, model: Model) -> float:
        if self._timing.expected_seconds is not None and len(self._durations.get(model.name, ())) < 3:
            return self._timing.expected_seconds
        if model.name not in self._durations:
            recent = await self._store.recent_durations(model.name)
            self._durations[model.name] = deque(reversed(recent), maxlen=20)
        prior = self._timing.expected_seconds or model.typical_seconds
        return expected_duration(list(self._durations[model.name]), prior)

    async def _progress(self, job: Job, stage: str, expected: float | None = None) -> None:
        messenger = self._messengers.get(job.requester.platform)
        if messenger is None:
            return
        model = self._catalog.get(job.model)
        update = Progress(stage, self._clock() - job.created_at, expected or model.typical_seconds)
        try:
            await messenger.progress(job, update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # progress is a courtesy: it never stops a job
            log.debug("job %s: progress update failed: %s", job.id, exc)

    async def _settle(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a final bookkeeping step so that cancelling the job cannot cut it in half."""
        task = asyncio.ensure_future(work)
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)
        return await asyncio.shield(task)


class _Deadline(Exception):
    """The job's deadline passed before 302.AI finished."""


def _result(job: Job, model: Model, data: bytes | None) -> Result:
    suffix = PurePosixPath(urlparse(job.result_url or "").path).suffix.lower()
    if model.output == "video" or suffix not in (".png", ".jpg", ".jpeg", ".webp"):
        suffix = ".mp4" if model.output == "video" else ".png"
    mime = mimetypes.types_map.get(suffix, "application/octet-stream")
    return Result(kind=model.output, filename=f"reelbot-{job.id}{suffix}", mime=mime,
                  url=job.result_url or "", data=data, size=len(data) if data is not None else None)
