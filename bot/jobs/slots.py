"""The runner's 302.AI request slots: a first-come, first-served semaphore that knows its line.

asyncio.Semaphore keeps its waiters to itself, so a member could not be told "you are third
in line". Here every waiter holds a place in one queue; a released slot is handed straight to
the first waiter (nobody arriving later can overtake), and whenever the line moves, each
waiter that asked to hear about it learns its new 1-based position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["RequestSlots"]

OnPosition = Callable[[int], Awaitable[None]]


@dataclass(eq=False)
class _Waiter:
    job_id: str | None
    granted: bool = False
    wake: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def nudge(self) -> None:
        if not self.wake.done():
            self.wake.set_result(None)


class RequestSlots:
    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError("at least one request slot is needed")
        self._free = limit
        self._line: list[_Waiter] = []

    async def acquire(self, job_id: str | None = None, on_position: OnPosition | None = None) -> None:
        """Take a slot, waiting in line for one; `on_position(n)` hears each new place in line
        (not called when a slot is free at once)."""
        if self._free > 0 and not self._line:
            self._free -= 1
            return
        waiter = _Waiter(job_id)
        self._line.append(waiter)
        shown: int | None = None
        try:
            while not waiter.granted:
                waiter.wake = asyncio.get_running_loop().create_future()  # before anything can move the line
                place = self._line.index(waiter) + 1
                if on_position is not None and place != shown:
                    shown = place
                    await on_position(place)
                if not waiter.granted:
                    await waiter.wake
        except BaseException:
            if waiter.granted:
                self.release()  # handed a slot while being cancelled: pass it on
            else:
                self._leave(waiter)
            raise

    def release(self) -> None:
        if self._line:
            first = self._line.pop(0)
            first.granted = True
            first.nudge()
            self._moved()
        else:
            self._free += 1

    def position(self, job_id: str) -> int | None:
        """Where `job_id` waits (1 = next), or None when it is not waiting."""
        for place, waiter in enumerate(self._line, start=1):
            if waiter.job_id == job_id:
                return place
        return None

    @property
    def waiting(self) -> int:
        return len(self._line)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc) -> None:
        self.release()

    def _leave(self, waiter: _Waiter) -> None:
        if waiter in self._line:
            self._line.remove(waiter)
            self._moved()

    def _moved(self) -> None:
        for waiter in self._line:
            waiter.nudge()
