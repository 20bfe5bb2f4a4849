"""When to ask 302.AI about a video again.

302.AI's own apps poll every 2–10 s from the start: 20–100 requests per video. Polling is a
trade between two costs: each query, and the time a finished video waits until we ask
(its lag). For a finish time with density f and survival S, the gap between queries that
minimises lag + λ·queries is g(t) ∝ √(S(t)/f(t)). Over the window where a model's videos
usually finish, [lo, hi], with about even odds across it, that gives gaps that start wide
and narrow as the window closes: g(t) = g₀·√((hi − t)/(hi − lo)), whose mean lag is g₀/3.
Before the window we look at its start (and, before anything is learned, once early); past it,
the gap grows again (×1.5), since a late video is likely to be very late.

The window is learned from when videos really finished: the midpoint between the last
query that found a video unfinished and the one that found it done (not when we saw it,
which would teach the schedule its own lag).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

__all__ = ["PollSchedule", "Spread", "spread_of", "finish_estimate"]

_MIN_SAMPLES = 5
_OVERDUE_GROWTH = 1.5


@dataclass(frozen=True)
class Spread:
    """Where a model's finish times fall, in seconds after submission."""

    lo: float
    median: float
    hi: float
    learned: bool = False  # from real finishes (else a guess around the model's typical time)


def spread_of(recent: list[float], prior: float) -> Spread:
    """From recent finish times once there are a few; else around the model's typical time."""
    recent = sorted(d for d in recent if d > 0)
    if len(recent) < _MIN_SAMPLES:
        return Spread(prior * 0.3, prior, prior * 1.7)
    q = statistics.quantiles(recent, n=20, method="inclusive")  # 5 % steps
    lo, hi = q[0], q[-1]
    pad = 0.1 * (hi - lo) + 1.0  # a few samples never show the whole range
    return Spread(max(0.0, lo - pad), statistics.median(recent), hi + pad, learned=True)


def finish_estimate(last_pending: float | None, found_done: float) -> float:
    """When a video finished, from the queries around it (seconds after submission)."""
    return ((last_pending or 0.0) + found_done) / 2


@dataclass(frozen=True)
class PollSchedule:
    spread: Spread
    min_interval: float
    max_interval: float
    # Mean wait after a finish that the gaps aim at: 2.5 % of the median, at least 4 s (about
    # what a fixed 10 s poller gives, at far fewer queries for anything but the shortest jobs).
    target_lag: float | None = None

    @property
    def _g0(self) -> float:
        lag = self.target_lag or max(4.0, self.min_interval, 0.025 * self.spread.median)
        return 3 * lag  # mean lag of the narrowing gaps is g₀/3

    def next_delay(self, elapsed: float, since_last_query: float | None, overdue_polls: int) -> float:
        """Seconds to wait before the next query, `elapsed` seconds after submission;
        `since_last_query` is None before the first one."""
        lo, hi, early = self.spread.lo, self.spread.hi, self._early
        if since_last_query is None:
            if elapsed >= max(early, self.min_interval):
                return 0.0  # resumed after a stop, already past the first look: ask at once
            return max(early, self.min_interval) - elapsed
        if elapsed < lo:
            delay = lo - elapsed  # one early look (above), then the window's start
        elif elapsed < hi:
            delay = self._g0 * math.sqrt((hi - elapsed) / max(hi - lo, 1e-9))
        else:
            delay = self._g0 / 3 * _OVERDUE_GROWTH ** overdue_polls
        delay = min(self.max_interval, max(self.min_interval, delay))
        return max(delay, self.min_interval - since_last_query)  # never two queries closer than that

    @property
    def _early(self) -> float:
        # Before anything is learned, a first look well before the guessed window: it finds
        # the fast ones, and teaches where the window really starts (a schedule that never
        # looks early never learns that it could).
        return self.spread.lo if self.spread.learned else min(self.spread.lo, 0.1 * self.spread.median)
