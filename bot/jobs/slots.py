"""The runner's 302.AI request slots: a first-come, first-served semaphore that knows its line.

asyncio.Semaphore keeps its waiters to itself, so a member could not be told "you are third
in line". Here every waiter holds a place in one queue, and a released slot is handed straight
to the first waiter (nobody arriving later can overtake).

Thousands of jobs may wait at once, and each slot that frees moves all of them up by one:
telling every waiter every time would be quadratic work (and a flood of status edits). So a
waiter hears about its place when it joins, at every step through the last ten places, and
when it reaches 20, 50, 100, 200, 500, 1000, …; the number it shows is at most that many
places too high. A place is worked out from ticket numbers, without searching the line.

Each place told is a status edit on the platform, so places are told only to a job still
waiting `report_after` seconds after it joined (most get a slot sooner and never show one),
then at most every `report_every` seconds: without that, a burst of a thousand commands
spent more Bot API calls on places in line than on answering the members.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field

__all__ = ["RequestSlots", "REPORTED", "BalanceProof"]

OnPosition = Callable[[int], Awaitable[None]]
_EVERY_STEP = 10  # the last places, each reported
_MILESTONES = tuple(m * 10 ** e for e in range(1, 7) for m in (2, 5, 10))  # 20, 50, 100, 200, …


def REPORTED(place: int) -> bool:  # noqa: N802 - read as a set: "place in REPORTED"
    return place <= _EVERY_STEP or place in _MILESTONES


@dataclass(eq=False)
class _Waiter:
    ticket: int
    job_id: str | None
    listens: bool  # wants to hear its place
    granted: bool = False
    wake: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def nudge(self) -> None:
        if not self.wake.done():
            self.wake.set_result(None)


class RequestSlots:
    def __init__(self, limit: int, *, report_after: float = 0.0, report_every: float = 0.0):
        if limit < 1:
            raise ValueError("at least one request slot is needed")
        self._report_after, self._report_every = report_after, report_every
        self._free = limit
        self._line: deque[_Waiter] = deque()
        self._tickets = 0
        self._left_early: list[int] = []  # sorted tickets of waiters that left from behind the head
        self._by_job: dict[str, _Waiter] = {}
        # told the job's id once a job's request has a slot (the runner lets the next job in)
        self.on_granted: Callable[[str], None] | None = None

    async def acquire(self, job_id: str | None = None, on_position: OnPosition | None = None) -> None:
        """Take a slot, waiting in line for one; `on_position(n)` hears the 1-based place in
        line (see the module's note for when). Not called when a slot is free at once."""
        if self._free > 0 and not self._line:
            self._free -= 1
            self._granted(job_id)
            return
        self._tickets += 1
        waiter = _Waiter(self._tickets, job_id, on_position is not None)
        self._line.append(waiter)
        if job_id is not None:
            self._by_job[job_id] = waiter
        shown: int | None = None
        loop = asyncio.get_running_loop()
        due = loop.time() + self._report_after  # the earliest moment a place may be told
        try:
            while not waiter.granted:
                waiter.wake = loop.create_future()  # before anything can move the line
                place = self._place(waiter)
                until_due: float | None = None
                if on_position is not None and place != shown:
                    now = loop.time()
                    if now >= due:
                        shown, due = place, now + self._report_every
                        await on_position(place)
                    else:
                        until_due = due - now
                if not waiter.granted:
                    # woken by a move of the line, or when an untold place may be told; the
                    # wake future itself is awaited (asyncio.wait would add a future, a set and
                    # a callback per waiter: thousands wait at once)
                    timer = None if until_due is None else loop.call_later(until_due, waiter.nudge)
                    try:
                        await waiter.wake
                    finally:
                        if timer is not None:
                            timer.cancel()
        except BaseException:
            if waiter.granted:
                self.release()  # handed a slot while being cancelled: pass it on
            else:
                self._leave(waiter)
            raise
        finally:
            if job_id is not None and self._by_job.get(job_id) is waiter:
                del self._by_job[job_id]
        self._granted(job_id)

    def _granted(self, job_id: str | None) -> None:
        if job_id is not None and self.on_granted is not None:
            self.on_granted(job_id)

    def release(self) -> None:
        if not self._line:
            self._free += 1
            return
        first = self._line.popleft()
        first.granted = True
        first.nudge()
        if self._line:
            head = self._line[0].ticket
            cut = bisect.bisect_left(self._left_early, head)
            del self._left_early[:cut]  # tickets before the head no longer count
        self._moved_from(1)

    def position(self, job_id: str) -> int | None:
        """Where `job_id` waits (1 = next), or None when it is not waiting."""
        waiter = self._by_job.get(job_id)
        return None if waiter is None or waiter.granted else self._place(waiter)

    @property
    def waiting(self) -> int:
        return len(self._line)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc) -> None:
        self.release()

    def _place(self, waiter: _Waiter) -> int:
        head = self._line[0].ticket
        return waiter.ticket - head + 1 - bisect.bisect_left(self._left_early, waiter.ticket)

    def _leave(self, waiter: _Waiter) -> None:
        if not self._line or waiter not in self._line:
            return
        place = self._place(waiter)
        if place == 1:
            self._line.popleft()
            if self._line:
                del self._left_early[:bisect.bisect_left(self._left_early, self._line[0].ticket)]
        else:
            self._line.remove(waiter)  # a cancel from the middle: rare, so a linear remove is fine
            bisect.insort(self._left_early, waiter.ticket)
        self._moved_from(place)

    def _moved_from(self, place: int) -> None:
        """Everyone from `place` on moved up one: wake those whose new place is reported."""
        size = len(self._line)
        for reported in range(place, min(size, _EVERY_STEP) + 1):
            self._tell(reported)
        for milestone in _MILESTONES:
            if milestone > size:
                break
            if milestone >= place:
                self._tell(milestone)

    def _tell(self, place: int) -> None:
        waiter = self._line[place - 1]
        if waiter.listens:
            waiter.nudge()


_NO_TURN = nullcontext()


class BalanceProof:
    """Paid calls one at a time while the balance is in doubt.

    302.AI answered "insufficient balance" (1008): the bot paused and the admins were told.
    A free query works with an empty balance, so only a paid call that 302.AI accepts proves
    it was topped up. Until one is accepted, paid calls go one at a time: after an operator's
    resume, the first job tells whether the balance is back (every other waits for it) and a
    1008 pauses again without a burst of refused calls. Per process: with several workers,
    each lets one through.
    """

    def __init__(self) -> None:
        self._doubted = False
        self._busy = False  # a paid call under way while in doubt
        self._waiting: list[asyncio.Future[None]] = []

    @property
    def doubted(self) -> bool:
        return self._doubted

    def doubt(self) -> None:
        """302.AI refused a paid call for the balance."""
        self._doubted = True

    def proved(self) -> None:
        """302.AI accepted a paid call: the balance is there; every waiting call may go."""
        if self._doubted:
            self._doubted = False
            self._wake()

    def turn(self) -> AbstractAsyncContextManager[None]:
        """Held around a paid call, from before its request slot to its answer. While the
        balance is not in doubt there is nothing to hold: one shared no-op, since every queued
        job holds its turn while it waits in line."""
        return self._in_doubt() if self._doubted else _NO_TURN

    @asynccontextmanager
    async def _in_doubt(self) -> AsyncIterator[None]:
        while self._doubted and self._busy:
            wake = asyncio.get_running_loop().create_future()
            self._waiting.append(wake)
            try:
                await wake
            finally:
                if wake in self._waiting:
                    self._waiting.remove(wake)
        mine = self._doubted
        self._busy = self._busy or mine
        try:
            yield
        finally:
            if mine:  # synchronous: a cancelled call cannot keep the turn
                self._busy = False
                self._wake()

    def _wake(self) -> None:
        waiting, self._waiting = self._waiting, []
        for wake in waiting:
            if not wake.done():
                wake.set_result(None)
