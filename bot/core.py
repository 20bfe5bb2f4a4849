"""The core's one entry point for adapters: submit a request, ask for a quota, rerun a job."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.access import AccessPolicy
from bot.admin import AdminDesk
from bot.ai302.client import Ai302Client
from bot.catalog import PTC_PER_CREDIT, Catalog, Command
from bot.commands import Destination, GenerationRequest, OperatorSpend, QuotaStatus, Requester, Ticket
from bot.config import Settings
from bot.errors import AlreadyAccepted, UserError
from bot.guard import AccountGuard
from bot.i18n import Joined, T, set_default_language
from bot.jobs.model import IN_FLIGHT, Job, JobState
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.ports import Messenger
from bot.quota import Limits, next_reset, quota_day
from bot.retention import Retention
from bot.shop import Shop
from bot.store.inbox import Inbox
from bot.store.jobs import JobStore
from bot.store.policy import PolicyStore
from bot.store.wallet import Wallets
from bot.texts import help_text
from bot.validation import Validator

__all__ = ["Core"]

log = logging.getLogger(__name__)

_ACKNOWLEDGED = "acknowledged"  # set in a job's destination once the member was told it is accepted


class Core:
    def __init__(self, settings: Settings, store: JobStore, client: Ai302Client, catalog: Catalog,
                 runner: JobRunner, policy: PolicyStore, *, clock: Callable[[], float] = time.time,
                 closers: tuple[Callable[[], Awaitable[None]], ...] = (), inbox: Inbox | None = None,
                 metrics: Metrics | None = None, retention: Retention | None = None):
        self.settings, self.catalog = settings, catalog
        set_default_language(settings.default_language)
        self.inbox = inbox  # where adapters store platform events before acknowledging them
        self.access = AccessPolicy.from_settings(settings)
        self.limits = self.access.default
        self._store, self._client, self._runner, self._policy = store, client, runner, policy
        self.admin = AdminDesk(store.db, policy, self.access, clock)
        self.shop = Shop(Wallets(store.db), settings.credit_packs, settings.stars_per_credit, clock)
        self.guard = AccountGuard(policy, store, client, runner.messengers, ceiling=settings.bot_daily_credits,
                                  probe_interval=settings.probe_interval, clock=clock)
        runner.watch(self.guard.account_problem, self.guard.spent)
        self._validator = Validator(catalog)
        self.metrics, self.retention = metrics, retention
        self._clock = clock
        self._closers = closers

    def register(self, platform: str, messenger: Messenger) -> None:
        """Adapters register before start(), so resumed jobs have somewhere to report."""
        self._runner.register(platform, messenger)

    async def start(self) -> None:
        if self.metrics is not None:
            self.metrics.start()
        if self.retention is not None:
            self.retention.start()
        await self.guard.start()
        resumed = await self._runner.resume()
        if resumed:
            log.info("resumed %d unfinished job(s)", resumed)
        log.info("%s", await self.operator_spend())

    async def stop_jobs(self) -> None:
        """Stop running jobs, letting deliveries under way finish; the adapters must still
        be connected for that. Requests accepted after this wait for the next start."""
        await self._runner.stop()

    async def stop(self) -> None:
        if self.retention is not None:
            await self.retention.stop()
        await self.guard.stop()
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

    def help_text(self, style: str = "text") -> Joined:
        return help_text(self.catalog, style)

    async def submit(self, request: GenerationRequest) -> Ticket:
        """Check the policy, validate, reserve and start a job. Raises UserError (the reply)
        when refused."""
        messenger = self._runner.messenger(request.requester.platform)
        now = self._clock()
        snapshot = await self._policy.snapshot(quota_day(now))
        self.access.check_place(request.requester, snapshot)
        limits = self.access.limits_for(request.requester, snapshot)
        checked = await self._validator.check(request)
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
        return await asyncio.shield(self._accept(job, image, messenger, limits, now))

    async def _accept(self, job: Job, image: tuple[str, bytes] | None, messenger: Messenger, limits: Limits,
                      now: float) -> Ticket:
        try:
            usage = await self._store.reserve(job, image, limits, now)
        except AlreadyAccepted:
            # The same event again. Its job runs already, or is resumed on start; only the
            # acknowledgement may be missing (a crash between the two), so that is made up for.
            usage = await self._store.usage(job.requester, job.quota_day)
            stored = await self._store.job(job.id)
            ticket = self._ticket(stored, usage, limits)
            if stored.state in IN_FLIGHT and not stored.destination.get(_ACKNOWLEDGED):
                await self._acknowledge(stored, ticket, messenger)
            return ticket
        if usage.from_wallet:  # the reservation took part of the cost from purchased credits
            job = replace(job, from_wallet=usage.from_wallet)
        ticket = self._ticket(job, usage, limits)
        job = await self._acknowledge(job, ticket, messenger)
        self._runner.launch(job)
        return ticket

    def _ticket(self, job: Job, usage, limits: Limits) -> Ticket:
        unlimited = job.requester.is_admin and self.settings.admins_unlimited
        return Ticket(job.id, job.command, job.model, job.cost,
                      credits_left=None if unlimited else max(0, limits.daily_credits - usage.user_spent),
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
            raise UserError(T("That job is no longer known to this bot, so it cannot be repeated."))
        image = await self._store.image(job_id)
        if (job.has_image and image is None) or (not job.prompt and job.command is not Command.ANIMATE):
            raise UserError(T("That job is too old to repeat: its picture or prompt is no longer kept. "
                              "Send the command again."))
        return await self.submit(GenerationRequest(
            requester=requester, destination=destination, command=job.command, prompt=job.prompt,
            model=job.model, options=job.options, image=image[1] if image else None, request_key=request_key))

    async def job(self, job_id: str) -> Job | None:
        return await self._store.job(job_id)

    async def database_answers(self) -> bool:
        """For health checks: the database takes a query."""
        try:
            return (await self._store.db.fetchone("SELECT 1")) is not None
        except Exception:
            return False

    async def operator_spend(self) -> OperatorSpend:
        """Today's spend at 302.AI (what it billed, or may have), against the bot-wide ceiling."""
        credits = await self._store.operator_spend(quota_day(self._clock()))
        return OperatorSpend(credits, round(credits * PTC_PER_CREDIT, 2), self.limits.bot_daily_credits)

    async def quota(self, requester: Requester) -> QuotaStatus:
        now = self._clock()
        snapshot = await self._policy.snapshot(quota_day(now))
        limits = self.access.limits_for(requester, snapshot)
        usage = await self._store.usage(requester, quota_day(now))
        chat_left = None
        if limits.chat_daily_credits is not None and requester.chat_key:
            chat_left = max(0, limits.chat_daily_credits - usage.chat_spent)
        tier = self.access.tier_of(requester, snapshot)
        return QuotaStatus(
            daily_credits=limits.daily_credits, used_today=usage.user_spent,
            credits_left=max(0, limits.daily_credits - usage.user_spent),
            jobs_in_flight=usage.in_flight, max_in_flight=limits.max_in_flight,
            resets_at=next_reset(now), chat_credits_left=chat_left,
            granted_today=snapshot.granted.get(requester.user_key, 0), purchased=usage.purchased,
            unlimited=requester.is_admin and self.settings.admins_unlimited,
            tier=tier.name if tier else None)



def _job_id(request_key: str | None) -> str:
    """A fresh id, or for a keyed request one derived from the key, so a second submission of
    the same event collides with the first on the jobs table's primary key."""
    if request_key is None:
        return secrets.token_hex(6)
    return hashlib.sha256(request_key.encode()).hexdigest()[:16]
