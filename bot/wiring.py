"""Builds the core from settings: the one place that picks the real implementations."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog, default_models
from bot.config import Settings
from bot.core import Core
from bot.jobs.runner import JobRunner, Timing
from bot.store.database import Database
from bot.store.inbox import Inbox
from bot.store.jobs import JobStore

__all__ = ["build_core"]


async def build_core(settings: Settings, *, timing: Timing | None = None,
                     clock: Callable[[], float] = time.time) -> Core:
    """Open the database and the 302.AI client; `await core.stop()` closes both."""
    catalog = Catalog(default_models(), settings.prices)
    db = await Database.open(settings.database)
    client = Ai302Client(settings.base_url, settings.api_key, timeout=settings.request_timeout,
                         max_connections=settings.max_concurrent_requests)
    store = JobStore(db)
    timing = timing or Timing(min_poll_interval=settings.min_poll_interval,
                              max_poll_interval=settings.max_poll_interval,
                              expected_seconds=settings.expected_seconds)
    runner = JobRunner(store, client, catalog, timing, max_download_bytes=settings.max_download_bytes,
                       max_concurrent_requests=settings.max_concurrent_requests, clock=clock)
    return Core(settings, store, client, catalog, runner, clock=clock, closers=(client.aclose, db.close),
                inbox=Inbox(db))
