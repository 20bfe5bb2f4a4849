"""What operators watch: Prometheus metrics, with bounded label values (no user ids, no prompts),
named by Prometheus' conventions (docs/operating.md shows the `increase()` queries).

Three kinds. The process itself (`process_*`, `python_*`, and `reelbot_build_info`). Events
the runner sees as they happen (302.AI calls and their latency, status queries per video,
delivery lag, platform send errors and flood waits) are counted in memory, at the cost of a
dictionary update; every label value known in advance has its series from the start, so a
rate is 0 rather than absent. Totals the database already knows (jobs accepted, delivered,
refunded; credits reserved, committed, refunded; what 302.AI billed) are counters read at
scrape time from what changed since the last scrape (bot.metric_totals), so the intake path
pays nothing for them and they survive restarts. The `…_today` gauges, which restart at 00:00
UTC, are kept for dashboards that show "today"; alerts should use the counters.
"""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Iterator

from prometheus_client import (CollectorRegistry, Counter, Gauge, GCCollector, Histogram,
                               PlatformCollector, ProcessCollector)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot import __version__
from bot.background import Background
from bot.domain.money import MPTC_PER_PTC
from bot.errors import OutcomeUnknown
from bot.i18n import DEFAULT_LANGUAGE, Text, loads, render
from bot.jobs import texts
from bot.metric_totals import JOB_KEY, StoreTotals
from bot.store.database import Database

__all__ = ["Metrics", "outcome_of"]

# a refund's reason (its message id) -> a bounded label
_REASONS = {text.msgid: label for text, label in (
    (texts.TOO_SLOW, "too_slow"), (texts.TOO_BUSY, "too_busy"), (texts.GEN_FAILED, "generation_failed"),
    (texts.NOT_POSTED, "not_posted"), (texts.UNEXPECTED, "unexpected"), (OutcomeUnknown.user_message, "unconfirmed"))}


def reason_label(failure: str | None) -> str:
    """`failure` as stored: a Text as JSON (see bot.i18n.dumps), or older rows' English."""
    reason = loads(failure)
    if isinstance(reason, Text) and reason.msgid in _REASONS:
        return _REASONS[reason.msgid]
    if isinstance(reason, str) and reason in _REASONS:  # a row stored before reasons were localized
        return _REASONS[reason]
    text = render(reason or "", DEFAULT_LANGUAGE).lower()
    for words, label in (("sensitive", "flagged"), ("key", "account"), ("balance", "account"),
                         ("paused", "paused")):
        if words in text:
            return label
    return "other"


# label values known in advance: each gets its series at start (0 until the first event)
PLATFORMS = ("telegram", "discord", "console")
ENDPOINTS = ("/minimaxi/v1/video_generation", "/minimaxi/v1/query/video_generation", "/minimaxi/v1/files/retrieve",
             "/minimaxi/v1/image_generation")
OUTCOMES = ("ok", "retry_later", "outcome_unknown", "auth_failed", "balance_too_low", "content_flagged",
            "bad_parameters", "rejected")
BLOCKED_SCOPES = ("operator", "chat")
REASONS = (*_REASONS.values(), "flagged", "account", "paused", "other")


def outcome_of(exc: BaseException | None) -> str:
    """A 302.AI call's outcome as a label: ok, or the error's kind."""
    if exc is None:
        return "ok"
    return {"RetryLater": "retry_later", "OutcomeUnknown": "outcome_unknown", "AuthFailed": "auth_failed",
            "BalanceTooLow": "balance_too_low", "ContentFlagged": "content_flagged",
            "BadParameters": "bad_parameters"}.get(type(exc).__name__, "rejected")


class Metrics:
    def __init__(self, db: Database | None = None, *, ceiling_mptc: int = 0):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # the standard process metrics, in each Metrics' own registry (tests make many)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        Gauge("reelbot_build_info", "The running version (always 1)", ["version", "python"],
              registry=r).labels(__version__, platform.python_version()).set(1)
        self.api_calls = Counter("reelbot_302ai_calls", "302.AI calls by endpoint and outcome",
                                 ["endpoint", "outcome"], registry=r)
        self.api_seconds = Histogram("reelbot_302ai_call_seconds", "302.AI call latency", ["endpoint"],
                                     buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180), registry=r)
        self.polls = Histogram("reelbot_status_polls_per_video", "Status queries until a video was found done",
                               buckets=(1, 2, 3, 5, 8, 13, 21, 34, 55), registry=r)
        self.delivery_lag = Histogram("reelbot_delivery_lag_seconds", "From 302.AI's finish to the post in the chat",
                                      ["platform"], buckets=(1, 2, 5, 10, 30, 60, 300, 1800, 21600), registry=r)
        self.send_errors = Counter("reelbot_platform_send_errors", "Posts a chat platform refused or lost",
                                   ["platform"], registry=r)
        self.flood_waits = Counter("reelbot_platform_rate_limit_waits", "Waits a chat platform asked for",
                                   ["platform"], registry=r)
        self.flood_seconds = Counter("reelbot_platform_rate_limit_wait_seconds", "Seconds of those waits",
                                     ["platform"], registry=r)
        self.prompts_blocked = Counter("reelbot_prompts_blocked", "Prompts refused for a blocked word, by whose list",
                                       ["scope"], registry=r)
        self.loop_lag = Gauge("reelbot_event_loop_lag_seconds", "How late the event loop ran a 1 s timer",
                              registry=r)
        for endpoint in ENDPOINTS:
            self.api_seconds.labels(endpoint)
            for outcome in OUTCOMES:
                self.api_calls.labels(endpoint, outcome)
        for name in PLATFORMS:
            for family in (self.delivery_lag, self.send_errors, self.flood_waits, self.flood_seconds):
                family.labels(name)
        for scope in BLOCKED_SCOPES:
            self.prompts_blocked.labels(scope)
        self._ceiling_mptc = ceiling_mptc
        self.totals = StoreTotals(db, reason_label) if db is not None else None
        if self.totals is not None:
            r.register(_StoreCollector(self.totals, ceiling_mptc))
        self._lag = Background("loop-lag", self._watch_loop)

    def api_call(self, endpoint: str, seconds: float, exc: BaseException | None) -> None:
        self.api_calls.labels(endpoint, outcome_of(exc)).inc()
        self.api_seconds.labels(endpoint).observe(seconds)

    # -- from the database, at scrape time -----------------------------------------------------

    async def refresh(self) -> None:
        """Read what the database knows; call before rendering /metrics."""
        if self.totals is not None:
            await self.totals.refresh()

    # -- event-loop lag ------------------------------------------------------------------------

    def start(self) -> None:
        self._lag.start()

    async def stop(self) -> None:
        await self._lag.stop()

    async def _watch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(1.0)
            self.loop_lag.set(max(0.0, loop.time() - before - 1.0))


class _StoreCollector(Collector):
    def __init__(self, totals: StoreTotals, ceiling_mptc: int):
        self._totals, self._ceiling_mptc = totals, ceiling_mptc

    def collect(self) -> Iterator:
        totals = self._totals
        accepted = CounterMetricFamily("reelbot_jobs_accepted", "Jobs accepted", labels=list(JOB_KEY))
        delivered = CounterMetricFamily("reelbot_jobs_delivered", "Jobs delivered", labels=list(JOB_KEY))
        refunded = CounterMetricFamily("reelbot_jobs_refunded", "Jobs refunded, by reason",
                                       labels=[*JOB_KEY, "reason"])
        by_key: dict[tuple, float] = {}
        done: dict[tuple, float] = {}
        failed: dict[tuple, float] = {}
        for (command, model, where, state, reason), n in totals.jobs.items():
            key = (command, model, where)
            by_key[key] = by_key.get(key, 0) + n
            if state == "delivered":
                done[key] = done.get(key, 0) + n
            elif state == "failed":
                failed[(*key, reason)] = failed.get((*key, reason), 0) + n
        for key in by_key:  # every outcome of a (command, model, platform) seen, 0 until it happens
            done.setdefault(key, 0)
            for reason in REASONS:
                failed.setdefault((*key, reason), 0)
        for family, counts in ((accepted, by_key), (delivered, done), (refunded, failed)):
            for key, n in sorted(counts.items()):
                family.add_metric(list(key), n)
        flying = GaugeMetricFamily("reelbot_jobs_in_flight", "Jobs not finished, by state", labels=["state"])
        for state, n in totals.in_flight.items():
            flying.add_metric([state], n)
        yield from (accepted, delivered, refunded, flying)
        # member credits, counted in prices, since the first ledger row
        for entry, name, what in (("reserve", "reserved", "held for jobs as they were accepted"),
                                  ("commit", "committed", "kept for jobs delivered"),
                                  ("refund", "refunded", "given back for jobs that failed")):
            yield CounterMetricFamily(f"reelbot_credits_{name}", f"Member credits {what}",
                                      value=totals.ledger.get(entry, 0))
        spend = CounterMetricFamily("reelbot_spend_ptc", "What 302.AI billed, in PTC; unconfirmed: a paid call "
                                    "whose answer was lost, counted as billed", labels=["billing"])
        spend.add_metric(["confirmed"], totals.ledger.get("spend", 0) / MPTC_PER_PTC)
        spend.add_metric(["unconfirmed"], totals.ledger.get("spend_unconfirmed", 0) / MPTC_PER_PTC)
        yield spend
        yield from self._today()

    def _today(self) -> Iterator:
        """Gauges that restart at 00:00 UTC, for a dashboard's "today"."""
        today = self._totals.today
        credits = GaugeMetricFamily("reelbot_credits_today", "Member credits of jobs accepted today (UTC); "
                                    "restarts at 00:00 UTC", labels=["movement"])
        for movement in ("reserve", "commit", "refund"):
            credits.add_metric([movement], today.get("credits", {}).get(movement, 0))
        yield credits
        usage = today.get("usage", {})
        # what 302.AI charged, whatever members paid (the usage scopes count mPTC)
        yield GaugeMetricFamily("reelbot_operator_spend_ptc_today", "What 302.AI billed today (or may have), "
                                "in PTC; restarts at 00:00 UTC", value=(usage.get("spend", 0) or 0) / MPTC_PER_PTC)
        yield GaugeMetricFamily("reelbot_bot_ceiling_held_ptc_today",
                                "What the bot-wide ceiling counts today: billed plus held for jobs in flight, in PTC; "
                                "restarts at 00:00 UTC", value=(usage.get("bot", 0) or 0) / MPTC_PER_PTC)
        yield GaugeMetricFamily("reelbot_bot_ceiling_ptc", "The bot-wide daily ceiling on 302.AI's charges, in PTC (0: none)",
                                value=self._ceiling_mptc / MPTC_PER_PTC)
