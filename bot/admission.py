"""The door of the core's intake: how many requests are checked and reserved at once.

A burst of 20,000 commands otherwise held 20,000 half-accepted requests at once (each with
its job, its reservation and its acknowledgement waiting for the database writer): about
3 KB each, for nothing, since the database writes them a batch at a time anyway. The rest
wait at the door holding only their own coroutine. As many as the reservation writer takes
in a batch or two keep its batches full. The acknowledgement (a platform call that may wait
out flood control) comes after a request's reservation, outside this bound.
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["ADMITTED", "Door", "Turn"]

ADMITTED = 2000


class Door:
    """ADMITTED requests at once, first come, first served. Not asyncio.Semaphore: its
    acquire() looks through every waiter (locked()), quadratic work for a burst of thousands."""

    __slots__ = ("_free", "_waiting")

    def __init__(self, size: int):
        self._free = size
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def enter(self) -> Turn:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return Turn(self)
        wake = asyncio.get_running_loop().create_future()
        self._waiting.append(wake)
        try:
            await wake
        except BaseException:
            if wake.done() and not wake.cancelled():
                self.leave()  # handed a place while being cancelled: pass it on
            raise
        return Turn(self)

    @property
    def waiting(self) -> int:
        return sum(1 for wake in self._waiting if not wake.done())

    def leave(self) -> None:
        while self._waiting:
            wake = self._waiting.popleft()
            if not wake.done():  # a cancelled waiter's future is done: skipped
                wake.set_result(None)
                return
        self._free += 1


class Turn:
    """A request's place among the ADMITTED, given back once (when its reservation is
    written, or when it ends sooner)."""

    __slots__ = ("_door", "_held")

    def __init__(self, door: Door):
        self._door, self._held = door, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._door.leave()
