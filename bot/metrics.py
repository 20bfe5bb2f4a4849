"""What operators watch: Prometheus metrics, with bounded label values (no user ids, no prompts).

Two kinds. Events the runner sees as they happen (302.AI calls and their latency, status
queries per video, delivery lag, platform send errors and flood waits) are counted in
memory as they happen, at the cost of a dictionary update. Totals the database already
knows (jobs accepted, delivered, refunded; jobs in flight by state; credits today; operator
spend) are read from it when /metrics is scraped, with one query each, so the intake path
pays nothing for them and they survive restarts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.background import Background
from bot.domain.money import MPTC_PER_PTC
from bot.errors import OutcomeUnknown
from bot.i18n import DEFAULT_LANGUAGE, Text, loads, render
from bot.jobs import texts
from bot.quota import quota_day
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
        self._db, self._ceiling_mptc = db, ceiling_mptc
        self._store_rows: dict[str, list] = {}
        if db is not None:
            r.register(_StoreCollector(self))
        self._lag = Background("loop-lag", self._watch_loop)

    def api_call(self, endpoint: str, seconds: float, exc: BaseException | None) -> None:
        self.api_calls.labels(endpoint, outcome_of(exc)).inc()
        self.api_seconds.labels(endpoint).observe(seconds)

    # -- from the database, at scrape time -----------------------------------------------------

    async def refresh(self) -> None:
        """Read what the database knows; call before rendering /metrics."""
        if self._db is None:
            return
        day = quota_day(time.time())
        self._store_rows = {
            "jobs": await self._db.fetchall(
                "SELECT command, model, platform, state, failure, COUNT(*) AS n FROM jobs "
                "GROUP BY command, model, platform, state, failure"),
            "usage": await self._db.fetchall(
                "SELECT CASE WHEN scope LIKE 'user:%' THEN 'members' ELSE scope END AS scope, SUM(spent) AS s "
                "FROM usage WHERE day = ? AND (scope LIKE 'user:%' OR scope IN ('bot', 'spend')) GROUP BY 1", (day,)),
            "ledger": await self._db.fetchall(
                "SELECT entry, SUM(amount) AS s FROM ledger l JOIN jobs j ON j.id = l.job_id "
                "WHERE j.quota_day = ? GROUP BY entry", (day,)),
        }

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
    def __init__(self, metrics: Metrics):
        self._m = metrics

    def collect(self) -> Iterator:
        rows = self._m._store_rows
        accepted = CounterMetricFamily("reelbot_jobs_accepted", "Jobs accepted",
                                       labels=["command", "model", "platform"])
        delivered = CounterMetricFamily("reelbot_jobs_delivered", "Jobs delivered",
                                        labels=["command", "model", "platform"])
        refunded = CounterMetricFamily("reelbot_jobs_refunded", "Jobs refunded, by reason",
                                       labels=["command", "model", "platform", "reason"])
        flying = GaugeMetricFamily("reelbot_jobs_in_flight", "Jobs not finished, by state", labels=["state"])
        totals: dict[tuple, float] = {}
        done: dict[tuple, float] = {}
        failed: dict[tuple, float] = {}
        states = dict.fromkeys(("queued", "submitting", "running", "ready"), 0.0)
        for row in rows.get("jobs", []):
            key = (row["command"], row["model"], row["platform"])
            totals[key] = totals.get(key, 0) + row["n"]
            if row["state"] == "delivered":
                done[key] = done.get(key, 0) + row["n"]
            elif row["state"] == "failed":
                fkey = (*key, reason_label(row["failure"]))
                failed[fkey] = failed.get(fkey, 0) + row["n"]
            else:
                states[row["state"]] = states.get(row["state"], 0) + row["n"]
        for key, n in totals.items():
            accepted.add_metric(list(key), n)
        for key, n in done.items():
            delivered.add_metric(list(key), n)
        for key, n in failed.items():
            refunded.add_metric(list(key), n)
        for state, n in states.items():
            flying.add_metric([state], n)
        yield from (accepted, delivered, refunded, flying)
        credits = GaugeMetricFamily("reelbot_credits_today", "Member credits today (UTC day of the job)",
                                    labels=["movement"])
        ledger = {row["entry"]: row["s"] for row in rows.get("ledger", [])}
        for movement in ("reserve", "commit", "refund"):
            credits.add_metric([movement], ledger.get(movement, 0) or 0)
        yield credits
        usage = {row["scope"]: row["s"] for row in rows.get("usage", [])}
        # what 302.AI charged, whatever members paid (the usage scopes count mPTC)
        yield GaugeMetricFamily("reelbot_operator_spend_ptc_today", "What 302.AI billed today (or may have), in PTC",
                                value=(usage.get("spend", 0) or 0) / MPTC_PER_PTC)
        yield GaugeMetricFamily("reelbot_bot_ceiling_held_ptc_today",
                                "What the bot-wide ceiling counts today: billed plus held for jobs in flight, in PTC",
                                value=(usage.get("bot", 0) or 0) / MPTC_PER_PTC)
        yield GaugeMetricFamily("reelbot_bot_ceiling_ptc", "The bot-wide daily ceiling on 302.AI's charges, in PTC (0: none)",
                                value=self._m._ceiling_mptc / MPTC_PER_PTC)
