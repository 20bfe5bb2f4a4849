"""What every part of the job runner shares: the store, the 302.AI client, the messengers,
the request slots, the clock and the timing settings."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog
from bot.domain.job import Job
from bot.errors import LeaseLost
from bot.i18n import Text
from bot.jobs.slots import BalanceProof, RequestSlots
from bot.jobs.tries import Tries, tries
from bot.metrics import Metrics
from bot.ports import Messenger, Progress
from bot.store.jobs import JobStore

__all__ = ["Timing", "Context", "ACKNOWLEDGED"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Set in a job's destination (by bot.core) once its member was told the job is accepted.
ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class Timing:
    min_poll_interval: float = 3.0
    max_poll_interval: float = 60.0
    retry_base: float = 2.0  # first wait after a transient error; doubles each time (with jitter)
    retry_max: float = 60.0
    # A free call for a billed video (status query, file info) is asked again until the job's
    # deadline plus this long, and a job resumed after its deadline gets this long: a finished
    # video is paid for and worth asking about (bot.jobs.tries).
    query_grace: float = 30 * 60
    expected_seconds: float | None = None  # overrides every model's prior (demo, tests)
    poll_lag_floor: float = 4.5  # the shortest mean lag a poll schedule aims at (bot.jobs.schedule)
    # A ready result (or a failure notice) is tried until this long after it was ready:
    # 302.AI serves files for hours, and a platform outage must not cost a paid result.
    delivery_window: float = 6 * 3600
    delivery_retry_max: float = 300.0  # longest wait between two delivery tries
    # a database write after a post or a paid call is retried alone (never the post) this long
    write_window: float = 30.0
    # a job waiting for a 302.AI request slot shows its place in line only after this long,
    # then at most this often (each place shown is a status edit)
    position_after: float = 5.0
    position_every: float = 15.0
    # "Fetching the result" is shown only if the result has not reached its chat this long
    # after its delivery began: most arrive sooner, and each step shown is a status edit (0:
    # shown at once)
    fetching_after: float = 2.0


@dataclass
class Context:
    store: JobStore
    client: Ai302Client
    catalog: Catalog
    timing: Timing
    clock: Callable[[], float]
    slots: RequestSlots  # 302.AI requests and downloads under way at once
    max_download_bytes: int
    settle: Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]  # run to the end even if cancelled
    messengers: dict[str, Messenger] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    # told when 302.AI refuses the operator's account ("auth", "balance"), and after each paid call
    on_account_problem: Callable[[str, str], Awaitable[None]] | None = None
    on_spend: Callable[[], Awaitable[None]] | None = None
    metrics: Metrics | None = None
    # (p50, p90) seconds a model's jobs take after submission (bot.jobs.durations)
    estimate: Callable[[Any], Awaitable[tuple[float, float]]] | None = None
    # paid calls one at a time while 302.AI's last word on the balance was "insufficient"
    balance: BalanceProof = field(default_factory=BalanceProof)

    async def tell(self, hook: Callable[..., Awaitable[None]] | None, *args: Any) -> None:
        if hook is None:
            return
        try:
            await hook(*args)
        except asyncio.CancelledError:
            raise
        except Exception:  # the operator's alerts must never stop a job
            log.exception("an operator hook failed")

    def messenger(self, platform: str) -> Messenger:
        try:
            return self.messengers[platform]
        except KeyError:
            raise LookupError(f"no messenger registered for platform {platform!r}") from None

    def tries(self, until: float, *, grace: float = 0.0, cap: float | None = None) -> Tries:
        """Tries of a call until `until` (plus `grace`) on the job's clock, with the 302.AI
        backoff (capped at `cap` when given); see bot.jobs.tries."""
        return tries(until=until, grace=grace, clock=self.clock, base=self.timing.retry_base,
                     cap=cap or self.timing.retry_max, rng=self.rng)

    async def refund(self, job: Job, reason: Text | str, *, refused: bool = False) -> Job | None:
        """The job's refund, written even if the job is cancelled meanwhile, and retried alone."""
        now = self.clock()
        return await self.settle(self.write("a refund", job,
                                            lambda: self.store.refund(job, reason, now, refused=refused)))

    async def write(self, what: str, job: Job, write: Callable[[], Awaitable[T]]) -> T:
        """A database write that must happen because something outside already did (a post,
        a paid call): retried alone, with backoff, for `write_window` seconds. Timed on the
        event loop's monotonic clock, not the job's: how long to wait for the database has
        nothing to do with the job's deadline, and must pass even under a test's frozen clock."""
        loop = asyncio.get_running_loop()
        async for attempt in tries(until=loop.time() + self.timing.write_window, clock=loop.time,
                                   base=0.25, cap=10.0, rng=self.rng):
            try:
                return await write()
            except (asyncio.CancelledError, LeaseLost):
                raise
            except Exception as exc:
                wait = attempt.failed(exc)
                if wait is None:
                    raise
                log.warning("job %s: could not record %s (%s); retrying in %.1fs", job.id, what, exc, wait)
        raise AssertionError("unreachable: the last failed try raises")

    async def progress(self, job: Job, stage: str, expected: float | None = None, *,
                       position: int | None = None) -> None:
        messenger = self.messengers.get(job.requester.platform)
        if messenger is None:
            return
        job = await self.addressed(job)
        model = self.catalog.get(job.model)
        update = Progress(stage, self.clock() - job.created_at, expected or model.typical_seconds,
                          eta=await self._eta(job, model, stage), position=position)
        try:
            await messenger.progress(job, update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # progress is a courtesy: it never stops a job
            log.debug("job %s: progress update failed: %s", job.id, exc)

    async def addressed(self, job: Job) -> Job:
        """`job` with its destination as stored, when the one in hand predates the "Queued"
        answer: a front stores the job, then answers, then stores that answer's message id,
        and a worker may claim the job in between. One read, only for such jobs."""
        if job.destination.get(ACKNOWLEDGED):
            return job
        try:
            stored = await self.store.job(job.id)
        except Exception as exc:  # the edit goes where the job in hand says
            log.debug("job %s: could not reload its destination: %s", job.id, exc)
            return job
        return job if stored is None else replace(job, destination=stored.destination)

    async def _eta(self, job: Job, model: Any, stage: str) -> tuple[float, float] | None:
        """Seconds still to go until 302.AI finishes: the learned p50–p90, less the time since
        submission. None once it has finished (downloading, posting)."""
        if self.estimate is None or stage in ("downloading", "waiting"):
            return None
        try:
            p50, p90 = await self.estimate(model)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an estimate is a courtesy, like the progress it rides on
            log.debug("job %s: no estimate: %s", job.id, exc)
            return None
        since = self.clock() - job.submitted_at if job.submitted_at else 0.0
        return max(0.0, p50 - since), max(0.0, p90 - since)
