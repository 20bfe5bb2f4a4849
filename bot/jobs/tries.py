"""Trying a call again, bounded by time and never by a count of tries.

    async for attempt in tries(until=job.deadline_at, grace=600, clock=clock, base=2, cap=60):
        try:
            return await call()
        except RetryLater as err:
            if attempt.failed(err) is None:
                raise  # out of time: the caller decides what giving up means

Why time: what is worth waiting for is bounded by time (a video's deadline, a result's
delivery window), and a count says nothing about time. Seven failed status queries are a
minute or two of backoff: counting them refunded videos that 302.AI had billed and went on
to finish. The first try is always made. The tries end at `max(until, first try) + grace`,
so a job resumed after its deadline (the bot was down) still gets the grace. Between tries
the wait is a jittered backoff (bot.jobs.retry), never shorter than a wait the server or
platform asked for (Retry-After, flood control); a try that could only come after the end
is not made.

A class rather than an async generator: a caller that returns from inside the loop leaves
nothing for the event loop to finalise later.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from bot.jobs.retry import asked_wait, backoff

__all__ = ["tries", "Tries", "Attempt"]


class Attempt:
    """One try. Tell it how the try failed; leave the loop when it worked."""

    def __init__(self, tries: Tries, number: int):
        self._tries, self.number = tries, number  # number counts from 1
        self.wait: float | None = None  # seconds before the next try, once failed() said so
        self.error: BaseException | None = None

    def failed(self, exc: BaseException) -> float | None:
        """This try failed with `exc`: seconds before the next one, or None when it would come
        after the end (the loop then ends)."""
        self.error = exc
        self.wait = self._tries.wait_after(self.number, exc)
        return self.wait

    @property
    def end(self) -> float:
        return self._tries.end


class Tries:
    def __init__(self, *, until: float, grace: float, clock: Callable[[], float], base: float, cap: float,
                 rng: random.Random | None, sleep: Callable[[float], Awaitable[None]]):
        self._until, self._grace, self._clock = until, grace, clock
        self._base, self._cap, self._rng, self._sleep = base, cap, rng, sleep
        self._last: Attempt | None = None
        self.end = until + grace  # fixed at the first try

    def __aiter__(self) -> Tries:
        return self

    async def __anext__(self) -> Attempt:
        last = self._last
        if last is None:
            self.end = max(self._until, self._clock()) + self._grace
        elif last.error is None:
            raise RuntimeError("a try went on to the next without saying how it failed")
        elif last.wait is None:
            raise StopAsyncIteration
        else:
            await self._sleep(last.wait)
        self._last = Attempt(self, 1 if last is None else last.number + 1)
        return self._last

    def wait_after(self, number: int, exc: BaseException) -> float | None:
        asked = asked_wait(exc) or 0.0
        wait = max(asked, backoff(number, self._base, self._cap, self._rng))
        return None if self._clock() + wait > self.end else wait


def tries(*, until: float, grace: float = 0.0, clock: Callable[[], float], base: float, cap: float,
          rng: random.Random | None = None, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Tries:
    """Tries of one call until `until` (a time on `clock`) plus `grace`; see the module's note."""
    return Tries(until=until, grace=grace, clock=clock, base=base, cap=cap, rng=rng, sleep=sleep)
