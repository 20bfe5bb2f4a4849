"""Builds the core from settings: the one place that picks the real implementations."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.ai302.client import Ai302Client, Timeouts
from bot.ai302.downloads import Reach, parse_allowance
from bot.catalog import Catalog, default_models
from bot.config import Settings
from bot.core import Core
from bot.jobs.runner import JobRunner, Timing
from bot.metrics import Metrics
from bot.retention import Retention
from bot.store.inbox import Inbox
from bot.store.jobs import JobStore
from bot.store.leases import LeaseStore
from bot.store.opening import open_store, worker_name
from bot.store.policy import PolicyStore

__all__ = ["build_core"]


async def build_core(settings: Settings, *, timing: Timing | None = None,
                     clock: Callable[[], float] = time.time, runs_jobs: bool = True) -> Core:
    """Lock and open the database and open the 302.AI client; `await core.stop()` closes all.
    Raises AlreadyRunning when another process runs jobs on the same database. `runs_jobs`
    False: a front process, which stores the jobs it accepts for the workers to run."""
    catalog = Catalog(default_models(), settings.prices, settings.costs)
    opened = await open_store(settings, exclusive=runs_jobs)  # a front runs no jobs: no file lock
    db = opened.db
    timeouts = Timeouts(lookup=settings.request_timeout, submit=settings.submit_timeout,
                        image=settings.image_timeout)
    metrics = Metrics(db, ceiling_mptc=settings.bot_daily_mptc)
    client = Ai302Client(settings.base_url, settings.api_key, timeouts=timeouts,
                         max_connections=settings.max_concurrent_requests, observe=metrics.api_call,
                         reach=Reach(parse_allowance(settings.download_allow), trusted_origin=settings.base_url))
    owner = worker_name(settings)
    # a front's jobs are stored without an owner, for the workers' next look to claim
    store = JobStore(db, owner=owner if runs_jobs else None, lease=settings.lease_seconds)
    timing = timing or Timing(min_poll_interval=settings.min_poll_interval,
                              max_poll_interval=settings.max_poll_interval,
                              expected_seconds=settings.expected_seconds,
                              delivery_window=settings.delivery_deadline, query_grace=settings.query_grace)
    # look for orphaned jobs often enough that a takeover comes within the lease time plus 2 s
    runner = JobRunner(store, client, catalog, timing, leases=LeaseStore(db, owner, settings.lease_seconds),
                       shared=opened.shared, look_every=min(2.0, settings.lease_seconds / 4),
                       max_download_bytes=settings.max_download_bytes,
                       max_concurrent_requests=settings.max_concurrent_requests, clock=clock)
    runner.measure(metrics)
    inbox = Inbox(db)
    return Core(settings, store, client, catalog, runner, PolicyStore(db), clock=clock,
                closers=(metrics.stop, client.aclose, opened.close), inbox=inbox, metrics=metrics,
                retention=Retention(db, settings.keep_days, inbox=inbox, clock=clock), runs_jobs=runs_jobs)
