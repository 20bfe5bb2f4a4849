"""Builds the core from settings: the one place that picks the real implementations.

`bootstrap()` builds every collaborator of a running bot (store, 302.AI client, catalog,
runner, admin desk, shop, guard, history, …) and hands them to `Core`, which builds none
itself. `open_desk()` is the same wiring without a runner or a 302.AI client, for
`reelbot admin`: it opens an existing database beside a running bot and never creates one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.access import AccessPolicy
from bot.admin import AdminDesk
from bot.admission import ADMITTED, Door
from bot.ai302.client import Ai302Client, Timeouts
from bot.ai302.downloads import Reach, parse_allowance
from bot.callbacks import CallbackAddress, CallbackDoor, RateLimit, load_secret
from bot.catalog import Catalog, default_models
from bot.catalog.feed import CatalogFeed, pricing
from bot.store.video_catalog import VideoCatalogStore
from bot.chats.adult import AdultModels
from bot.chats.desk import ChatDesk
from bot.chats.rules import ChatRules
from bot.config import Settings
from bot.core import Core
from bot.guard import AccountGuard
from bot.history import JobHistory
from bot.i18n import set_default_language
from bot.jobs.runner import JobRunner, Timing
from bot.metrics import Metrics
from bot.retention import Retention
from bot.shop import Shop
from bot.store.inbox import Inbox
from bot.store.jobs import JobStore
from bot.store.leases import LeaseStore
from bot.store.opening import open_store, worker_name
from bot.store.policy import PolicyStore
from bot.store.posts import Posts
from bot.store.statuses import PendingStatuses
from bot.store.wallet import Wallets
from bot.validation import Validator
from bot.words.blocklist import Blocklist

__all__ = ["Desk", "bootstrap", "open_desk"]


@dataclass(frozen=True)
class Desk:
    """The operator's side of the store: what `reelbot admin` acts through."""

    db: Any  # Database or PgDatabase
    policy: PolicyStore
    access: AccessPolicy
    admin: AdminDesk
    shop: Shop
    close: Callable[[], Awaitable[None]]


def _desk(db, settings: Settings, clock: Callable[[], float], close: Callable[[], Awaitable[None]],
          blocklist: Blocklist) -> Desk:
    policy = PolicyStore(db)
    access = AccessPolicy.from_settings(settings)
    return Desk(db, policy, access, AdminDesk(db, policy, access, clock, blocklist=blocklist,
                                              video_models=settings.video_models),
                Shop(Wallets(db), settings.credit_packs, settings.stars_per_credit, clock,
                     access=access, policy=policy), close)


async def open_desk(settings: Settings, *, clock: Callable[[], float] = time.time) -> Desk:
    """Open the database the settings name, never creating one (raises NoDatabase): an
    operator's command against the wrong path must fail, not act on a new empty file."""
    opened = await open_store(settings, exclusive=False, create=False)
    return _desk(opened.db, settings, clock, opened.close, Blocklist(settings.blocklist_file, opened.db))


async def bootstrap(settings: Settings, *, timing: Timing | None = None,
                    clock: Callable[[], float] = time.time, runs_jobs: bool = True) -> Core:
    """Lock and open the database and open the 302.AI client; `await core.stop()` closes all.
    Raises AlreadyRunning when another process runs jobs on the same database. `runs_jobs`
    False: a front process, which stores the jobs it accepts for the workers to run."""
    set_default_language(settings.default_language)
    catalog = Catalog(default_models(), settings.prices, settings.costs, unified_later=True)
    opened = await open_store(settings, exclusive=runs_jobs)  # a front runs no jobs: no file lock
    db = opened.db
    metrics = Metrics(db, ceiling_mptc=settings.bot_daily_mptc)
    blocklist = Blocklist(settings.blocklist_file, db, metrics=metrics, clock=clock, keep_days=settings.keep_days)
    desk = _desk(db, settings, clock, opened.close, blocklist)
    timeouts = Timeouts(lookup=settings.request_timeout, submit=settings.submit_timeout,
                        image=settings.image_timeout)
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
    # 302.AI calls back (a wake-up only) where the operator exposes this bot: bot.callbacks
    address = CallbackAddress(settings.public_url, await load_secret(db)) if settings.public_url else None
    # look for orphaned jobs often enough that a takeover comes within the lease time plus 2 s
    runner = JobRunner(store, client, catalog, timing, leases=LeaseStore(db, owner, settings.lease_seconds),
                       shared=opened.shared, look_every=min(2.0, settings.lease_seconds / 4),
                       max_download_bytes=settings.max_download_bytes,
                       max_concurrent_requests=settings.max_concurrent_requests, clock=clock,
                       callback_url=address.url_for if address is not None and runs_jobs else None)
    callbacks = None if address is None else CallbackDoor(
        address, runner.wakeups.wake, RateLimit(settings.callback_rate, max(5.0, 5 * settings.callback_rate)))
    runner.measure(metrics)
    guard = AccountGuard(desk.policy, store, client, runner.messengers, ceiling=settings.bot_daily_mptc,
                         probe_interval=settings.probe_interval, clock=clock)
    runner.watch(guard.account_problem, guard.spent)
    inbox = Inbox(db)
    # the unified video models: from the database, 302.AI, or the shipped snapshot; then every few hours
    feed = CatalogFeed(catalog, client, VideoCatalogStore(db), pricing(settings),
                       every=settings.catalog_refresh, clock=clock)
    await feed.refresh()
    feed.start()
    chats = ChatRules(desk.admin.chat_settings_store, AdultModels(settings.adult_models, settings.adult_chats))
    chat_desk = ChatDesk(chats.store, desk.access, desk.policy, blocklist, catalog, clock)
    return Core(settings, store=store, client=client, catalog=catalog, runner=runner, policy=desk.policy,
                access=desk.access, admin=desk.admin, shop=desk.shop, guard=guard,
                history=JobHistory(store, client, catalog, clock), validator=Validator(catalog),
                posts=Posts(db, clock), statuses=PendingStatuses(db, clock), blocklist=blocklist, chats=chats,
                chat_desk=chat_desk, inbox=inbox, metrics=metrics,
                retention=Retention(db, settings.keep_days, inbox=inbox, clock=clock),
                closers=(feed.stop, metrics.stop, client.aclose, opened.close), clock=clock, runs_jobs=runs_jobs,
                door=Door(ADMITTED), callbacks=callbacks)
