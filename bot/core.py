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
from bot.admission import Door, Turn
from bot.ai302.client import Ai302Client
from bot.catalog import Catalog, switches
from bot.chats.desk import ChatDesk
from bot.chats.quiet import QuietWhereAsked
from bot.chats.rules import ChatRules
from bot.domain.requests import Command, Destination, GenerationRequest, Requester
from bot.domain.answers import OperatorSpend, QuotaStatus, Ticket
from bot.config import Settings
from bot.errors import AlreadyAccepted, UserError
from bot.guard import AccountGuard
from bot.help import help_text
from bot.history import JobHistory
from bot.jobs import cancel as cancelling
from bot.i18n import Joined, T
from bot.domain.job import IN_FLIGHT, Job, JobState
from bot.jobs.context import ACKNOWLEDGED  # set in a job's destination once the member was told
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.ports import Messenger, Result
from bot.quota import Limits, next_reset, quota_day
from bot.retention import Retention
from bot.shop import Shop
from bot.store.inbox import Inbox
from bot.store.jobs import JobStore
from bot.store.policy import PolicyStore
from bot.store.posts import Posts
from bot.store.statuses import PendingStatuses
from bot.validation import Validator
from bot.words.blocklist import Blocklist

__all__ = ["Core"]

log = logging.getLogger(__name__)



class Core:
    """Receives every collaborator from bot.bootstrap; it builds none of them itself."""

    def __init__(self, settings: Settings, *, store: JobStore, client: Ai302Client, catalog: Catalog,
                 runner: JobRunner, policy: PolicyStore, access: AccessPolicy, admin: AdminDesk, shop: Shop,
                 guard: AccountGuard, history: JobHistory, validator: Validator, posts: Posts,
                 statuses: PendingStatuses, blocklist: Blocklist, chats: ChatRules, chat_desk: ChatDesk,
                 inbox: Inbox | None = None, metrics: Metrics | None = None,
                 retention: Retention | None = None, clock: Callable[[], float] = time.time,
                 closers: tuple[Callable[[], Awaitable[None]], ...] = (), runs_jobs: bool = True,
                 door: Door, callbacks=None):
        self.settings, self.catalog = settings, catalog
        # False in a front process (`reelbot run --role=front`): it takes commands and stores
        # their jobs, and worker processes on the same database run them
        self.runs_jobs = runs_jobs
        self.inbox = inbox  # where adapters store platform events before acknowledging them
        self.callbacks = callbacks  # 302.AI's callbacks' door (bot.callbacks), served by entrypoints.ops; or None
        self.posts = posts  # result messages → their jobs, for replies to a result
        self.statuses = statuses  # last status texts still to be shown
        self.access = access
        self.limits = access.default
        self._store, self._client, self._runner, self._policy = store, client, runner, policy
        self.admin, self.shop, self.guard, self.history = admin, shop, guard, history
        self._validator = validator
        self.blocklist = blocklist
        self.chats, self.chat_desk = chats, chat_desk  # each chat's own settings, and its admins' desk
        self.metrics, self.retention = metrics, retention
        self._clock = clock
        self._closers = closers
        self._accepting: dict[str, asyncio.Future[Ticket]] = {}
        self._door = door  # how many requests are checked and reserved at once (bot.admission)

    @property
    def db(self):
        """The store's database (bot.store.database.Database or its PostgreSQL twin), for
        readers beside the job rules: the console's reports and login links, admin tools."""
        return self._store.db

    def register(self, platform: str, messenger: Messenger) -> None:
        """Adapters register before start(), so resumed jobs have somewhere to report."""
        self._runner.register(platform, QuietWhereAsked(messenger))  # no progress where a chat turned it off

    async def start(self) -> None:
        if self.metrics is not None:
            self.metrics.start()
        if self.retention is not None:
            self.retention.start()
        await self.guard.start()
        await self.blocklist.load()  # refused entries are logged at start, not at the first prompt
        await self._snapshot(self._clock())
        if self.runs_jobs:
            resumed = await self._runner.resume()
            if resumed:
                log.info("resumed %d unfinished job(s)", resumed)
        else:
            log.info("jobs accepted here are run by the worker processes on this database")
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

    def help_text(self, style: str = "text", command: str | None = None, *, shop: bool = False) -> Joined:
        """The short /help list, or `command`'s details; `shop`: the adapter offers /buy and it is on."""
        return help_text(self.catalog, style, command, shop=shop and self.shop.open)

    async def submit(self, request: GenerationRequest) -> Ticket:
        """Check the policy, validate, reserve and start a job. Raises UserError (the reply)
        when refused."""
        messenger = self._runner.messenger(request.requester.platform)
        turn = await self._door.enter()
        try:
            return await self._checked(request, messenger, turn)
        finally:
            turn.release()  # if not released once reserved (a refusal, a cancelled caller)

    async def _checked(self, request: GenerationRequest, messenger: Messenger, turn: Turn) -> Ticket:
        now = self._clock()
        snapshot = await self._snapshot(now)
        self.access.check_place(request.requester, snapshot)
        chat = await self.chats.policy(request.requester)  # the chat's own settings, within the operator's
        chat.check_command(request.command)
        limits = self.access.limits_for(request.requester, snapshot, chat.settings)
        checked = await self._validator.check(request)
        switches.check_switched_on(checked.model.name, snapshot.models_off)  # the operator's switch, every process
        marks = chat.check_model(checked.model.name)  # models on there; adult-only ones only where allowed
        await self.blocklist.check(request, checked)  # blocked words: refused before quota is reserved
        video = checked.model.output == "video"
        job = Job(
            id=_job_id(request.request_key), requester=request.requester, command=request.command,
            model=checked.model.name, prompt=checked.prompt, options=checked.options,
            destination={**request.destination, **marks}, price=checked.price, cost_mptc=checked.cost_mptc, state=JobState.QUEUED,
            created_at=now, quota_day=quota_day(now), has_image=checked.image is not None,
            inputs=tuple(checked.inputs()),
            deadline_at=now + (self.settings.video_deadline if video else self.settings.image_deadline))
        image = (checked.image.mime, checked.image.data) if checked.image else None
        # Once credits may be reserved, the job must start even if our caller is cancelled
        # meanwhile: a reserved job that nobody runs would wait for the next restart.
        return await asyncio.shield(self._accept(job, image, messenger, limits, now, turn, checked.inputs()))

    async def _accept(self, job: Job, image: tuple[str, bytes] | None, messenger: Messenger, limits: Limits,
                      now: float, turn: Turn, inputs: dict[str, tuple[str, bytes]]) -> Ticket:
        # The same event twice at once (a redelivery racing the original): the second waits for
        # the first's answer instead of acknowledging the job a second time.
        if (first := self._accepting.get(job.id)) is not None:
            turn.release()
            return await asyncio.shield(first)
        self._accepting[job.id] = answer = asyncio.get_running_loop().create_future()
        try:
            ticket = await self._accept_once(job, image, messenger, limits, now, turn, inputs)
        except BaseException as exc:
            answer.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
            answer.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            answer.set_result(ticket)
            return ticket
        finally:
            del self._accepting[job.id]

    async def _accept_once(self, job: Job, image: tuple[str, bytes] | None, messenger: Messenger,
                           limits: Limits, now: float, turn: Turn, inputs: dict[str, tuple[str, bytes]]) -> Ticket:
        try:
            usage = await self._store.reserve(job, image, limits, now, inputs=inputs)
        except AlreadyAccepted:
            turn.release()
            # The same event again. Its job runs already, or is resumed on start; only the
            # acknowledgement may be missing (a crash between the two), so that is made up for.
            usage = await self._store.usage(job.requester, job.quota_day)
            stored = await self._store.job(job.id)
            ticket = self._ticket(stored, usage, limits)
            if stored.state in IN_FLIGHT and not stored.destination.get(ACKNOWLEDGED):
                await self._acknowledge(stored, ticket, messenger)
            return ticket
        turn.release()
        if usage.from_wallet:  # the reservation took part of the price from purchased credits
            job = replace(job, from_wallet=usage.from_wallet)
        ticket = self._ticket(job, usage, limits)
        job = await self._acknowledge(job, ticket, messenger)
        if self.runs_jobs:
            self._runner.launch(job)
        return ticket

    def _ticket(self, job: Job, usage, limits: Limits) -> Ticket:
        unlimited = job.requester.is_admin and self.settings.admins_unlimited
        return Ticket(job.id, job.command, job.model, job.price,
                      credits_left=None if unlimited else max(0, limits.daily_credits - usage.user_spent),
                      jobs_in_flight=usage.in_flight)

    async def _acknowledge(self, job: Job, ticket: Ticket, messenger: Messenger) -> Job:
        try:
            patch = await messenger.acknowledge(job, ticket)
        except Exception:  # the job is accepted and paid for: it runs even if the reply failed
            log.exception("job %s: acknowledgement failed", job.id)
            return job
        return await self._store.update(job, destination={**job.destination, **(patch or {}), ACKNOWLEDGED: True})

    async def rerun(self, job_id: str, requester: Requester, destination: Destination, *,
                    request_key: str | None = None, prompt: str | None = None) -> Ticket:
        """The same request again ("again" / "re-roll"), charged to `requester`; with `prompt`,
        the same model, options and picture with that prompt instead ("edit"). Anyone who can
        see the result may do either: the job is theirs and so is the charge."""
        job = await self._store.job(job_id)
        if job is None:
            raise UserError(T("That job is no longer known to this bot, so it cannot be repeated."))
        image = await self._store.image(job_id)
        inputs = await self._store.inputs(job_id) if job.inputs else {}  # its last frame, its video
        if ((job.has_image and image is None) or set(job.inputs) - set(inputs)
                or (prompt is None and not job.prompt and job.command is not Command.ANIMATE)):
            raise UserError(T("That job is too old to repeat: its picture or prompt is no longer kept. "
                              "Send the command again."))
        return await self.submit(GenerationRequest(
            requester=requester, destination=destination, command=job.command,
            prompt=job.prompt if prompt is None else prompt,
            model=job.model, options=job.options, image=image[1] if image else None, request_key=request_key,
            end_image=inputs["end_image"][1] if "end_image" in inputs else None,
            video=inputs["video"][1] if "video" in inputs else None))

    async def job(self, job_id: str) -> Job | None:
        return await self._store.job(job_id)

    async def cancel(self, job_id: str, requester: Requester) -> Job:
        """Cancel a job 302.AI has not been sent yet: all its credits back, no spend. Only its
        member or an admin may. Returns the cancelled job; raises UserError (the answer) when
        it cannot be cancelled, e.g. because 302.AI has already started (and billed) it."""
        job = await self._store.job(job_id)
        if job is None or not cancelling.may_cancel(job, requester.user_key, requester.is_admin):
            raise UserError(T("You can cancel only your own jobs.") if job else cancelling.refusal(None))
        if job.state is JobState.QUEUED:
            cancelled = await self._store.cancel(job, cancelling.CANCELLED, self._clock())
            if cancelled is not None:
                log.info("job %s cancelled by %s", job_id, requester.user_key)
                await self._runner.forget(job_id)
                return cancelled
            job = await self._store.job(job_id)  # claimed meanwhile: 302.AI has it now
        raise UserError(cancelling.refusal(job))

    async def jobs(self, requester: Requester) -> list[Job]:
        """The member's last jobs, newest first (/jobs)."""
        return await self.history.recent(requester)

    async def refetch(self, job_id: str, requester: Requester, limit: int) -> Result:
        """A delivered job's result again, free, while 302.AI still serves it (bot.history)."""
        return await self.history.fetch(job_id, requester, min(limit, self.settings.max_download_bytes))

    async def database_answers(self) -> bool:
        """For health checks: the database takes a query."""
        try:
            return (await self.db.fetchone("SELECT 1")) is not None
        except Exception:
            return False

    async def _snapshot(self, now: float):
        """The operator's rules now; lists and completions follow its models switched off."""
        snapshot = await self._policy.snapshot(quota_day(now))
        self.catalog.switched_off = snapshot.models_off
        return snapshot

    async def operator_spend(self) -> OperatorSpend:
        """Today's spend at 302.AI (what it billed, or may have), against the bot-wide ceiling."""
        spent = await self._store.operator_spend(quota_day(self._clock()))
        return OperatorSpend(spent, self.limits.bot_daily_mptc)

    async def quota(self, requester: Requester) -> QuotaStatus:
        now = self._clock()
        snapshot = await self._snapshot(now)
        limits = self.access.limits_for(requester, snapshot, (await self.chats.policy(requester)).settings)
        usage = await self._store.usage(requester, quota_day(now))
        chat_left = None
        if limits.chat_daily_credits is not None and requester.chat_key:
            chat_left = max(0, limits.chat_daily_credits - usage.chat_spent)
        tier = self.access.tier_of(requester, snapshot)
        return QuotaStatus(
            # below 0 when credits of a job reserved yesterday came back today
            daily_credits=limits.daily_credits, used_today=max(0, usage.user_spent),
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
