"""When to ask 302.AI about a video again.

302.AI's own apps poll every 2–10 s from the start: 20–100 requests per video. Polling is a
trade between two costs: each query, and the time a finished video waits until we ask
(its lag). Over the window where a model's videos usually finish, [lo, hi], with about even
odds across it, the schedule with the fewest expected queries for a given mean lag is exact
and simple: a query is made only while the video is unfinished, so later ones are cheaper,
and the optimum (setting the derivative of queries + λ·lag by each query time to zero) has
gaps that shrink by the same step each time, g_k = a − (k−1)·δ, ending at hi. `_window_gaps`
picks the number of gaps, a and δ that meet the target lag with the fewest queries; for a
240 s window and a 5 s lag that is 11.2 queries, against 18 for a fixed 10 s poller (which
has the same lag). Before the window we look once early (until something is learned); past
it, the gap grows again (×1.5), since a late video is likely to be very late.

The window is learned from when videos really finished: the midpoint between the last
query that found a video unfinished and the one that found it done (not when we saw it,
which would teach the schedule its own lag).
"""

from __future__ import annotations

import bisect
import functools
import math
import statistics
from dataclasses import dataclass

__all__ = ["EARLY_LOOKS", "PollSchedule", "SafetyPoll", "Spread", "spread_of", "finish_estimate"]

_MIN_SAMPLES = 5
_OVERDUE_GROWTH = 1.5
EARLY_LOOKS = 0.1  # the share of jobs that look before a learned window (PollSchedule.look_early)


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
    # where a uniform spread whose 5th and 95th percentiles these are would end (5.6 % of the
    # range beyond each), and a second more: a few samples never show the whole range
    pad = 0.06 * (hi - lo) + 1.0
    return Spread(max(0.0, lo - pad), statistics.median(recent), hi + pad, learned=True)


def finish_estimate(last_pending: float | None, found_done: float, spread: Spread, where: float = 0.5) -> float:
    """When a video finished, from the queries around it (seconds after submission): a point
    `where` (0–1, the runner draws it at random) across the part of that bracket where the
    model's videos are known to finish. A random point, not the middle: the first query finds
    every video that finished before it, and giving them all one value would squeeze the
    learned window from below, query after query. A bracket's own middle would mislead too
    (found by the first query, that is half-way since submission); a bracket outside the
    window is all we know."""
    low, high = last_pending or 0.0, found_done
    if spread.learned and max(low, spread.lo) < min(high, spread.hi):
        low, high = max(low, spread.lo), min(high, spread.hi)
    return low + where * (high - low)


@dataclass(frozen=True)
class PollSchedule:
    spread: Spread
    min_interval: float
    max_interval: float
    # Mean wait after a finish that the gaps aim at: 2.5 % of the median, at least 5 s (what
    # 302.AI's own fixed 10 s poller gives, at far fewer queries for anything but the shortest jobs).
    target_lag: float | None = None
    # Looks before a learned window, half-way to its start and at its start (the runner asks for
    # them in EARLY_LOOKS of jobs): without them, videos that start to finish sooner are found
    # by the window's first query and never teach the window to move earlier.
    look_early: bool = False

    # the shortest mean lag aimed at (a bench that scales time down scales this too)
    lag_floor: float = 4.5

    @property
    def _lag(self) -> float:
        return self.target_lag or max(self.lag_floor, self.min_interval, 0.025 * self.spread.median)

    @property
    def _window(self) -> tuple[float, ...]:
        """When to ask within the window, in seconds after submission."""
        return _window_times(round(self.spread.lo, 1), round(self.spread.hi, 1), round(self._lag, 2))

    def next_delay(self, elapsed: float, since_last_query: float | None, overdue_polls: int) -> float:
        """Seconds to wait before the next query, `elapsed` seconds after submission;
        `since_last_query` is None before the first one."""
        lo, early = self.spread.lo, self._early
        if since_last_query is None:
            if elapsed >= max(early, self.min_interval):
                return 0.0  # resumed after a stop, already past the first look: ask at once
            return max(early, self.min_interval) - elapsed
        window = self._window
        if self.look_early and self.spread.learned and elapsed < lo:
            delay = lo - elapsed  # the early look's job looks at the window's start too: see look_early
        elif elapsed < window[-1]:
            # the window's next query time (the first one is a gap in: a query right at its
            # start would find almost nothing done); closer than min_interval, the one after
            delay = window[bisect.bisect_right(window, elapsed)] - elapsed
        else:
            delay = self._lag * _OVERDUE_GROWTH ** overdue_polls
        delay = min(self.max_interval, max(self.min_interval, delay))
        return max(delay, self.min_interval - since_last_query)  # never two queries closer than that

    @property
    def _early(self) -> float:
        # Before anything is learned, a first look well before the guessed window: it finds
        # the fast ones, and teaches where the window really starts (a schedule that never
        # looks early never learns that it could). Once learned, the window's first query, or
        # now and then half-way to the window's start.
        if not self.spread.learned:
            return min(self.spread.lo, 0.1 * self.spread.median)
        return self.spread.lo / 2 if self.look_early else self._window[0]


@dataclass(frozen=True)
class SafetyPoll:
    """The schedule while 302.AI's callbacks are seen to arrive for a model (bot.jobs.wakeups):
    a callback wakes the poll when the video is done, so polling is only the net under a lost
    one. One look at the p90 of the model's durations (most videos are done by then, and a
    lost callback costs no more than that wait), then one every half of it, at least
    `min_interval` apart."""

    p90: float
    min_interval: float

    def next_delay(self, elapsed: float, since_last_query: float | None) -> float:
        every = max(self.min_interval, self.p90 / 2)
        if since_last_query is None:
            return max(0.0, self.p90 - elapsed)
        if elapsed < self.p90:
            return self.p90 - elapsed  # looked sooner on the learned schedule: keep to the p90
        return max(0.0, every - since_last_query)


@functools.lru_cache(maxsize=1024)
def _window_times(lo: float, hi: float, lag: float) -> tuple[float, ...]:
    """Query times over [lo, hi] with mean lag `lag` and the fewest expected queries: gaps
    shrinking by a constant step (see the module's docstring), cached per window."""
    width = max(hi - lo, 1e-3)
    times, at = [], lo
    for gap in _window_gaps(width, lag):
        at += gap
        times.append(at)
    times[-1] = hi
    return tuple(times)


def _window_gaps(width: float, lag: float) -> list[float]:
    # For n gaps g_k = a − (k−1)δ summing to `width`: Σg² = width²/n + δ²·n(n²−1)/12, which
    # sets δ for the lag (mean lag = Σg²/(2·width)); expected queries (each made only while
    # unfinished, finishes even over the window) = n − Σ_{k<n} (k·a − δ·k(k−1)/2) / width.
    fewest = max(1, math.ceil(width / (2 * lag)))  # n below this cannot reach the lag even with even gaps
    best: tuple[float, int, float, float] | None = None
    for n in range(fewest, 4 * fewest + 2):
        step = 0.0
        if n > 1:
            step = math.sqrt(max(0.0, (2 * width * lag - width * width / n) * 12 / (n * (n * n - 1))))
            step = min(step, 2 * width / (n * (n - 1)))  # the last gap is not negative
        first = width / n + step * (n - 1) / 2
        queries = n - (first * n * (n - 1) / 2 - step * n * (n - 1) * (n - 2) / 6) / width
        if best is None or queries < best[0] - 1e-9:
            best = (queries, n, first, step)
    _, n, first, step = best
    return [first - k * step for k in range(n)]
