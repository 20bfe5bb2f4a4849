"""The core's messenger port on Discord, working from a job's stored destination alone."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.buttons import result_view
from adapters.discord.destination import Target
from adapters.discord.outbox import Outbox
from adapters.discord.render import (
    done_embed, failed_embed, failure_notice, only_requester, result_caption, status_embed,
)
from bot.commands import Destination, Ticket
from bot.jobs.model import Job
from bot.ports import Progress, Result

__all__ = ["DiscordMessenger"]

log = logging.getLogger(__name__)

# 401 Invalid Webhook Token (expired), 404 Unknown Webhook/Message (e.g. the member
# dismissed the ephemeral status message): the interaction cannot carry this answer.
_TOKEN_REFUSED = (401, 404)
_TOO_LARGE = 413

Send = Callable[..., Awaitable[Any]]


class DiscordMessenger:
    def __init__(self, outbox: Outbox, *, progress_interval: float = 5.0,
                 clock: Callable[[], float] = time.time):
        self._outbox, self._interval, self._clock = outbox, progress_interval, clock
        # job id -> monotonic time of its last status edit. Discord rate-limits edits, and
        # discord.py waits out a limit inside the call, which would hold up the job's polling.
        self._last_edit: dict[str, float] = {}

    async def acknowledge(self, job: Job, ticket: Ticket) -> Destination:
        target = Target.load(job.destination)
        self._last_edit[job.id] = time.monotonic()
        try:
            await self._outbox.edit_original(
                target, embed=status_embed(job, "queued", 0.0, None, ticket.credits_left))
        except discord.HTTPException as exc:
            log.warning("job %s: could not show its status: %s", job.id, exc)
        # kept with the job so that later status edits (even after a restart) can show it
        return {"credits_left": ticket.credits_left}

    async def progress(self, job: Job, progress: Progress) -> None:
        target = Target.load(job.destination)
        if not target.token_alive(self._clock()):
            return  # the status message can no longer be edited
        now, last = time.monotonic(), self._last_edit.get(job.id)
        if last is not None and now - last < self._interval:
            return
        self._last_edit[job.id] = now
        embed = status_embed(job, progress.stage, progress.elapsed, progress.expected,
                             job.destination.get("credits_left"))
        try:
            await self._outbox.edit_original(target, embed=embed)
        except discord.HTTPException as exc:  # a courtesy: the job goes on without it
            log.info("job %s: status edit failed: %s", job.id, exc)

    async def deliver(self, job: Job, result: Result) -> None:
        target = Target.load(job.destination)
        self._last_edit.pop(job.id, None)
        if target.token_alive(self._clock()):
            # The status message first: while a deferred response is still "thinking", Discord
            # turns the next follow-up into that (private) response instead of a public message.
            await self._quietly(job, self._outbox.edit_original(target, embed=done_embed(job)))
            try:
                await self._send_result(job, result, target.upload_limit,
                                        lambda **f: self._outbox.follow_up(target, **f))
                return
            except discord.HTTPException as exc:
                if exc.status not in _TOKEN_REFUSED:
                    raise
                log.info("job %s: interaction refused the result (%s); posting in the channel", job.id, exc)
        limit = min(target.upload_limit, self._outbox.channel_upload_limit(target))
        await self._send_result(job, result, limit, lambda **f: self._outbox.post(target, **f))

    async def _send_result(self, job: Job, result: Result, limit: int, send: Send) -> None:
        mentions = only_requester(int(job.requester.user_id))
        if result.data is not None and len(result.data) <= limit:
            try:
                file = discord.File(io.BytesIO(result.data), filename=result.filename)
                await send(content=result_caption(job), file=file, view=result_view(job, attached=True),
                           allowed_mentions=mentions)
                return
            except discord.HTTPException as exc:
                if exc.status != _TOO_LARGE:
                    raise
                log.info("job %s: Discord refused the %d-byte upload; sending a link", job.id, len(result.data))
        size = result.size if result.size is not None else (len(result.data) if result.data else None)
        await send(content=result_caption(job, link=result.url, size=size, limit=limit),
                   view=result_view(job, attached=False), allowed_mentions=mentions)

    async def fail(self, job: Job, reason: str) -> None:
        target = Target.load(job.destination)
        self._last_edit.pop(job.id, None)
        if target.token_alive(self._clock()):
            # privately: the status message turns into the reason, or a new ephemeral note
            # when the member has dismissed it
            for send in (lambda: self._outbox.edit_original(target, embed=failed_embed(job, reason)),
                         lambda: self._outbox.follow_up(target, embed=failed_embed(job, reason), ephemeral=True)):
                try:
                    await send()
                    return
                except discord.HTTPException as exc:
                    if exc.status not in _TOKEN_REFUSED:
                        raise
                    log.info("job %s: interaction refused the failure notice (%s)", job.id, exc)
        await self._outbox.post(target, content=failure_notice(job, reason),
                                allowed_mentions=only_requester(target.user_id))

    def upload_limit(self, job: Job) -> int:
        target = Target.load(job.destination)
        if target.token_alive(self._clock()):
            return target.upload_limit
        return min(target.upload_limit, self._outbox.channel_upload_limit(target))

    @staticmethod
    async def _quietly(job: Job, edit: Awaitable[Any]) -> None:
        try:
            await edit
        except discord.HTTPException as exc:
            log.info("job %s: status edit failed: %s", job.id, exc)
