"""How many Bot API calls the bot keeps under way at once: enough to send at the rate it is
allowed, given how long Telegram takes to answer.

By Little's law the calls under way are the calls a second times the seconds each takes. A
fixed 12 capped the bot at 12 / 0.1 s = 120 calls a second against a Bot API 100 ms away —
about 46 images a second at 2.6 calls each — however high TELEGRAM_SENDS_PER_SECOND was set
(200 `/image` a second were answered at 50 a second, measured from outside with
bench/telegram_capacity.py). So the FloodGate's size follows the rate it may send at and the
latency it sees: rate × latency × HEADROOM, never below the configured floor
(CONCURRENT_CALLS), never above what the HTTP client's pool holds. At Telegram's default 30
messages a second the floor is what it was.

The size follows the configured rate rather than the load of the moment: a burst is served
at once instead of after the estimate has caught up, and the calls under way stay bounded
by the flood limits anyway.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from adapters.telegram.config import CONCURRENT_CALLS

__all__ = ["CallSizing", "calls_needed", "pool_size", "updates_at_once", "SLOWEST"]

HEADROOM = 2.0  # calls come in bursts, and latencies spread around their mean
# Seconds: an answer slower than this is Telegram struggling, not far away; more calls under
# way would only queue there. It bounds the size, and so the pool of connections.
SLOWEST = 1.0
# Connections are file descriptors and memory: no more than this (enough for a bot allowed
# 1000 messages a second against a Bot API 128 ms away).
MOST_CALLS = 256
SPARE_CONNECTIONS = 4  # for file downloads, which do not pass through the FloodGate
WEIGHT = 0.05  # of each new latency in the running estimate: about the last 20 calls
RESIZE_EVERY = 1.0  # seconds between resizes: each call updates the estimate, not the size


def calls_needed(per_second: float, latency: float, *, floor: int = CONCURRENT_CALLS) -> int:
    """The calls to keep under way to send `per_second` when each takes `latency` seconds."""
    wanted = math.ceil(per_second * min(latency, SLOWEST) * HEADROOM)
    return max(floor, min(MOST_CALLS, wanted))


def pool_size(per_second: float, *, floor: int = CONCURRENT_CALLS) -> int:
    """Connections for the HTTP client: the most calls the sizing can ask for, and the spare ones."""
    return calls_needed(per_second, SLOWEST, floor=floor) + SPARE_CONNECTIONS


# Updates handled at once at Telegram's default rate (adapters.telegram.intake): each may
# download a member's picture, so not many more than the bot needs.
FEWEST_UPDATES = 64


def updates_at_once(per_second: float) -> int:
    """Updates to handle at once (the intake's slots) for a bot allowed `per_second` sends.

    A command holds its slot until its answer is sent: a Bot API round trip, and its wait for
    a call slot and for the event loop. At 64 slots and ~0.3 s a command under load, 200
    commands a second waited for slots, not for the bot (first reply p99 4.8-7.0 s where
    256 slots gave 1.14-1.25 s, measured from outside with bench/telegram_capacity.py). So the
    slots follow the rate the answers may go at, times the slowest answer worth waiting for,
    bounded as the calls are."""
    return max(FEWEST_UPDATES, min(MOST_CALLS, math.ceil(per_second * SLOWEST)))


class CallSizing:
    """Keeps a running estimate of the Bot API's latency (`observe`, told by the HTTP client,
    adapters.telegram.transport) and resizes (`resize`, the FloodGate's) to the calls needed
    at `per_second`, at most once every RESIZE_EVERY seconds."""

    def __init__(self, resize: Callable[[int], None], *, per_second: float, floor: int = CONCURRENT_CALLS,
                 clock: Callable[[], float] = time.monotonic):
        self._resize, self._clock = resize, clock
        self.per_second, self.floor = per_second, floor
        self.size = floor  # what the FloodGate starts with
        self.latency: float | None = None  # seconds, the running estimate; None until a call ended
        self._next_resize = 0.0

    def observe(self, seconds: float) -> None:
        """A Bot API call took `seconds`, from sending it to reading its answer."""
        self.latency = seconds if self.latency is None else self.latency + WEIGHT * (seconds - self.latency)
        now = self._clock()
        if now < self._next_resize:
            return
        self._next_resize = now + RESIZE_EVERY
        size = calls_needed(self.per_second, self.latency, floor=self.floor)
        if size != self.size:
            self.size = size
            self._resize(size)
