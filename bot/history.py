"""A member's recent jobs (/jobs), and a delivered result fetched again while 302.AI serves it.

302.AI's download URLs live about nine hours. A video's URL is asked for afresh every time
(files/retrieve for MiniMax's, the unified video/fetch for the others; both free:
bot.jobs.fresh_url), for a few seconds while 302.AI is busy, so a video can be fetched for as
long as 302.AI keeps it; an image has only the URL it was made with. Fetching again costs
nothing: no job, no ledger row, and a video 302.AI no longer has is never made again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog
from bot.domain.requests import Command, Requester
from bot.errors import Ai302Error, DownloadFailed, RetryLater, UserError
from bot.i18n import TN, T, Text
from bot.jobs.cancel import is_cancelled
from bot.jobs.delivery import MAX_PER_POST, result_for
from bot.jobs.fresh_url import fresh_url, refreshable
from bot.jobs.texts import RESULT_GONE
from bot.jobs.tries import tries
from bot.domain.job import Job, JobState
from bot.ports import Result
from bot.store.jobs import JobStore

__all__ = ["JobHistory", "RECENT", "URL_LIFETIME", "job_line", "jobs_heading", "fetchable"]

RECENT = 10  # jobs /jobs lists
URL_LIFETIME = 9 * 3600.0  # seconds 302.AI serves a result at the URL it first gave
# seconds a member's fetch asks 302.AI again while it is busy: they are waiting in the chat
REFRESH_PATIENCE = 15.0

EXPIRED = RESULT_GONE
BUSY = T("302.AI did not answer just now; please try again in a minute.")


def fetchable(job: Job, now: float) -> bool:
    """Worth offering a "fetch again" for: delivered, and its result may still be served."""
    if job.state is not JobState.DELIVERED or not job.result_url:
        return False
    if refreshable(job):  # a video: its URL is refreshed for as long as 302.AI keeps it
        return True
    return now - (job.ready_at or job.finished_at or job.created_at) < URL_LIFETIME


class JobHistory:
    def __init__(self, store: JobStore, client: Ai302Client, catalog: Catalog, clock: Callable[[], float]):
        self._store, self._client, self._catalog, self._clock = store, client, catalog, clock

    async def recent(self, requester: Requester) -> list[Job]:
        return await self._store.recent(requester.user_key, RECENT)

    async def fetch(self, job_id: str, requester: Requester, limit: int) -> Result:
        """The result of the member's delivered job `job_id`, downloaded up to `limit` bytes
        (larger: `data` None, send the URL). Raises UserError when it cannot be had."""
        job = await self._store.job(job_id)
        if job is None or job.requester.user_key != requester.user_key:
            raise UserError(T("You can fetch only your own results."))
        if job.state is not JobState.DELIVERED:
            raise UserError(T("Only a delivered job has a result to fetch."))
        if not fetchable(job, self._clock()):
            raise UserError(EXPIRED)
        # every picture of an answer that drew several, together again (as delivered: one post)
        urls = job.result_urls[:MAX_PER_POST] or (job.result_url or "",)
        try:
            if refreshable(job):  # a video: its URL asked for afresh (free), it may have expired
                urls = (await self._fresh_url(job),)
            pictures = [(url, await self._client.download(url, limit)) for url in urls]
        except RetryLater:
            raise UserError(BUSY) from None
        except (Ai302Error, DownloadFailed):  # 302.AI's key was refused, or the URL is dead
            raise UserError(EXPIRED) from None
        model = self._catalog.get(job.model)
        results = [result_for(job, model, data, url=url, index=index) for index, (url, data) in enumerate(pictures)]
        return replace(results[0], more=tuple(results[1:]))

    async def _fresh_url(self, job: Job) -> str:
        """Asked again while 302.AI is busy, for REFRESH_PATIENCE seconds of the loop's clock
        (the core's clock may stand still in tests)."""
        loop = asyncio.get_running_loop()
        async for attempt in tries(until=loop.time() + REFRESH_PATIENCE, clock=loop.time, base=1.0, cap=5.0):
            try:
                url = await fresh_url(self._client, job)
            except RetryLater as err:
                if attempt.failed(err) is None:
                    raise
                continue
            if url is None:
                raise UserError(EXPIRED)
            return url
        raise AssertionError("unreachable: the last failed try raises")


def jobs_heading(count: int) -> Text:
    if count == 0:
        return T("You have no jobs yet. Try /image or /video.")
    return TN("Your last job:", "Your last {n} jobs, newest first:", count)


def job_line(number: int, job: Job, now: float) -> Text:
    """`1. video · T2V-01 · delivered · 5 credits · 3 h ago`."""
    return T("{number}. {what} · {model} · {state} · {cost} · {age}", number=number, what=_what(job),
             model=job.model, state=_state(job), cost=_credits(job.price), age=_age(now - job.created_at))


def _what(job: Job) -> Text:
    return T("image") if job.command is Command.IMAGE else T("video")


def _state(job: Job) -> Text:
    if is_cancelled(job):
        return T("cancelled")
    return {
        JobState.QUEUED: T("waiting"),
        JobState.SUBMITTING: T("being made"),
        JobState.RUNNING: T("being made"),
        JobState.READY: T("being posted"),
        JobState.DELIVERED: T("delivered"),
        JobState.FAILED: T("failed, refunded"),
    }[job.state]


def _credits(n: int) -> Text:
    return TN("{n} credit", "{n} credits", n)


def _age(seconds: float) -> Text:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return T("just now")
    if seconds < 3600:
        return T("{minutes} min ago", minutes=seconds // 60)
    if seconds < 86400:
        return T("{hours} h ago", hours=seconds // 3600)
    return T("{days} d ago", days=seconds // 86400)
