"""The core's one entry point for adapters: submit a request, ask for a quota, rerun a job."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog
from bot.commands import Destination, GenerationRequest, QuotaStatus, Requester, Ticket
from bot.config import Settings
from bot.errors import AlreadyAccepted, UserError
from bot.jobs.model import IN_FLIGHT, Job, JobState
from bot.jobs.runner import JobRunner
from bot.ports import Messenger
from bot.quota import Limits, next_reset, quota_day
from bot.store.inbox import Inbox
from bot.store.jobs import JobStore
from bot.texts import help_text
from bot.validation import Validator

__all__ = ["Core"]

log = logging.getLogger(__name__)

_ACKNOWLEDGED = "acknowledged"  # set in a job's destination once the member was told it is accepted


class Core:
    def __init__(self, settings: Settings, store: JobStore, client: Ai302Client, catalog: Catalog,
                 runner: JobRunner, *, clock: Callable[[], float] = time.time,
                 closers: tuple[Callable[[], Awaitable[None]], ...] = (), inbox: Inbox | None = None):
        self.settings, self.catalog = settings, catalog
        self.inbox = inbox  # where adapters store platform events before acknowledging them
        self.limits = Limits(settings.daily_credits, settings.max_in_flight,
                             settings.chat_daily_credits, settings.bot_daily_credits)
        self._store, self._client, self._runner = store, client, runner
        self._validator = Validator(catalog)
        self._clock = clock
        self._closers = closers

    def register(self, platform: str, messenger: Messenger) -> None:
        """Adapters register before start(), so resumed jobs have somewhere to report."""
        self._runner.register(platform, messenger)

    async def start(self) -> None:
        resumed = await self._runner.resume()
        if resumed:
            log.info("resumed %d unfinished job(s)", resumed)

    async def stop_jobs(self) -> None:
        """Stop running jobs, letting deliveries under way finish; the adapters must still
        be connected for that. Requests accepted after this wait for the next start."""
        await self._runner.stop()

    async def stop(self) -> None:
        await self._runner.stop()
        for close in self._closers:
            await close()

    async def wait_idle(self) -> None:
        await self._runner.wait_idle()

    @property
    def busy_jobs(self) -> int:
        """How many jobs are running in this process now."""
        return self._runner.active

    @property
    def busy(self) -> bool:
        return self.busy_jobs > 0

    def help_text(self, style: str = "text") -> str:
        return help_text(self.catalog, style)

    async def submit(self, request: GenerationRequest) -> Ticket:
        """Validate, reserve and start a job. Raises UserError (the reply) when refused."""
        messenger = self._runner.messenger(request.requester.platform)
        checked = await self._validator.check(request)
        now = self._clock()
        video = checked.model.output == "video"
        job = Job(
            id=_job_id(request.request_key), requester=request.requester, command=request.command,
            model=checked.model.name, prompt=checked.prompt, options=checked.options,
            destination=dict(request.destination), cost=checked.cost, state=JobState.QUEUED,
            created_at=now, quota_day=quota_day(now), has_image=checked.image is not None,
            deadline_at=now + (self.settings.video_deadline if video else self.settings.image_deadline))
        image = (checked.image.mime, checked.image.data) if checked.image else None
        # Once credits may be reserved, the job must start even if our caller is cancelled
        # meanwhile: a reserved job that nobody runs would wait for the next restart.
        return await asyncio.shield(self._accept(job, image, messenger, now))

    async def _accept(self, job: Job, image: tuple[str, bytes] | None, messenger: Messenger,
                      now: float) -> Ticket:
        try:
            usage = await self._store.reserve(job, image, self.limits, now)
        except AlreadyAccepted:
            # The same event again. Its job runs already, or is resumed on start; only the
            # acknowledgement may be missing (a crash between the two), so that is made up for.
            usage = await self._store.usage(job.requester, job.quota_day)
            stored = await self._store.job(job.id)
            ticket = self._ticket(stored, usage)
            if stored.state in IN_FLIGHT and not stored.destination.get(_ACKNOWLEDGED):
                await self._acknowledge(stored, ticket, messenger)
            return ticket
        ticket = self._ticket(job, usage)
        job = await self._acknowledge(job, ticket, messenger)
        self._runner.launch(job)
        return ticket

    def _ticket(self, job: Job, usage) -> Ticket:
        return Ticket(job.id, job.command, job.model, job.cost,
                      credits_left=self.settings.daily_credits - usage.user_spent,
                      jobs_in_flight=usage.in_flight)

    async def _acknowledge(self, job: Job, ticket: Ticket, messenger: Messenger) -> Job:
        try:
            patch = await messenger.acknowledge(job, ticket)
        except Exception:  # the job is accepted and paid for: it runs even if the reply failed
            log.exception("job %s: acknowledgement failed", job.id)
            return job
        return await self._store.update(job, destination={**job.destination, **(patch or {}), _ACKNOWLEDGED: True})

    async def rerun(self, job_id: str, requester: Requester, destination: Destination, *,
                    request_key: str | None = None) -> Ticket:
        """The same request again ("again" / "re-roll"), charged to `requester`."""
        job = await self._store.job(job_id)
        if job is None:
            raise UserError("That job is no longer known to this bot, so it cannot be repeated.")
        image = await self._store.image(job_id)
        return await self.submit(GenerationRequest(
            requester=requester, destination=destination, command=job.command, prompt=job.prompt,
            model=job.model, options=job.options, image=image[1] if image else None, request_key=request_key))

    async def job(self, job_id: str) -> Job | None:
        return await self._store.job(job_id)

    async def quota(self, requester: Requester) -> QuotaStatus:
        now = self._clock()
        usage = await self._store.usage(requester, quota_day(now))
        chat_left = None
        if self.limits.chat_daily_credits and requester.chat_key:
            chat_left = max(0, self.limits.chat_daily_credits - usage.chat_spent)
        return QuotaStatus(
            daily_credits=self.limits.daily_credits, used_today=usage.user_spent,
            credits_left=max(0, self.limits.daily_credits - usage.user_spent),
            jobs_in_flight=usage.in_flight, max_in_flight=self.limits.max_in_flight,
            resets_at=next_reset(now), chat_credits_left=chat_left)



def _job_id(request_key: str | None) -> str:
    """A fresh id, or for a keyed request one derived from the key, so a second submission of
    the same event collides with the first on the jobs table's primary key."""
    if request_key is None:
        return secrets.token_hex(6)
    return hashlib.sha256(request_key.encode()).hexdigest()[:16]
