"""Callbacks wake polls; they never move a job themselves.

`Wakeups` is held by the runner. A job's poll sleeps through `sleep(job_id, seconds)` while
it is `watching(job_id)`; a callback for it (bot.callbacks) calls `wake(job_id)`, and the
poll asks 302.AI at once. Woken queries of one job are at least `gap` seconds apart (one a
second by default): a burst of callbacks, duplicated or forged, costs one query now and at
most one more a second later. A wake that comes while the job is querying is kept for the
next sleep (it may announce what that query was too early to see); a wake for a job not
polled here does nothing and is not remembered.

It also keeps, per model, whether callbacks are seen to arrive (`arriving`): a job counts
as woken when the query that found it ended was one a callback asked for. While most of a
model's recent jobs were woken, polls stretch to a sparse safety net (bot.jobs.schedule's
SafetyPoll); once none of its last RECENT were, the learned schedule is back.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Wakeups", "WAKE_GAP", "RECENT"]

WAKE_GAP = 1.0  # seconds between two woken queries of one job
RECENT = 10  # jobs per model whose wake-ups decide its schedule
_FIRST_SEEN = 3  # fewer finished jobs say nothing yet


class _Watch:
    __slots__ = ("pending", "woken_at", "sleeper")

    def __init__(self) -> None:
        self.pending = False  # a callback came and no query has answered it yet
        self.woken_at = float("-inf")  # when the last woken query was let go
        self.sleeper: asyncio.Future[None] | None = None


class Wakeups:
    def __init__(self, *, gap: float = WAKE_GAP, clock: Callable[[], float] = time.monotonic):
        self._gap, self._clock = gap, clock
        self._polling: dict[str, _Watch] = {}
        self._recent: dict[str, deque[bool]] = {}
        self._arriving: set[str] = set()

    # -- one job ----------------------------------------------------------------------------------

    @contextmanager
    def watching(self, job_id: str) -> Iterator[None]:
        self._polling[job_id] = _Watch()
        try:
            yield
        finally:
            self._polling.pop(job_id, None)

    def wake(self, job_id: str) -> bool:
        """A callback for `job_id` came: True when a poll here will answer it."""
        watch = self._polling.get(job_id)
        if watch is None:
            return False
        watch.pending = True
        if watch.sleeper is not None and not watch.sleeper.done():
            watch.sleeper.set_result(None)
        return True

    async def sleep(self, job_id: str, seconds: float) -> bool:
        """Wait `seconds`, or less when a callback wakes the job: True when the query that
        follows is a woken one. A wake within `gap` of the last woken query waits for the gap
        (or for the planned query, if that comes first: it answers the wake as well)."""
        watch = self._polling[job_id]
        until = self._clock() + seconds
        while True:
            now = self._clock()
            if watch.pending:
                allowed = watch.woken_at + self._gap
                if allowed < until:
                    if now >= allowed:
                        watch.pending, watch.woken_at = False, now
                        return True
                    await self._nap(watch, allowed - now, wakeable=False)
                    continue
            if now >= until:
                watch.pending = False  # the planned query answers a wake that had to wait
                return False
            await self._nap(watch, until - now, wakeable=not watch.pending)

    async def _nap(self, watch: _Watch, seconds: float, *, wakeable: bool) -> None:
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        loop = asyncio.get_running_loop()
        watch.sleeper = sleeper = loop.create_future()
        timer = loop.call_later(seconds, _settle, sleeper)
        try:
            await sleeper
        finally:
            timer.cancel()
            watch.sleeper = None

    # -- per model --------------------------------------------------------------------------------

    def record(self, model: str, woken: bool) -> None:
        """A job of `model` was found ended, by a woken query or not."""
        recent = self._recent.setdefault(model, deque(maxlen=RECENT))
        recent.append(woken)
        if len(recent) >= _FIRST_SEEN and 2 * sum(recent) > len(recent):
            self._arriving.add(model)
        elif model in self._arriving and len(recent) == RECENT and not any(recent):
            self._arriving.discard(model)

    def arriving(self, model: str) -> bool:
        """Callbacks are seen to arrive for `model`: poll it only as a safety net."""
        return model in self._arriving


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
