"""Telegram's message budget, spent on what members need most.

Telegram lets a bot send about 30 messages a second overall and 20 a minute in one group
(edits count too). Under a burst more calls want to go than the budget allows, and the order
in which they are let through decides what members see: here the waiters are served by what
they carry, not by when they came.

- In a private chat: the reply to a new command first (the member learns it was taken), then
  results, then final states (done, failed), then progress.
- In a group, where 20 a minute is all there is: results first (paid for and ready), then
  replies to commands, then final states, then progress.

Progress is droppable: a newer edit of the same message replaces an older one still waiting
(`replaces`), and in a group a progress edit goes only while the group has budget to spare
(else it is dropped at once: only the latest state matters, and a later one will come).

Each budget is a sliding window — at most `size` grants in any `seconds` — because that is
how Telegram counts: a token bucket that lets 20 through and then one every 3 s trips a
60 s window. A grant is stamped again when the call actually leaves (`Grant.sent`: it may
wait for a connection in between), and the window is a little longer than Telegram's
(`slack`), so a call that reaches Telegram late cannot crowd a window there.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field

from telegram.error import TelegramError

__all__ = ["Budget", "Dropped", "Grant", "Window", "REPLY", "RESULT", "FINAL", "PROGRESS", "counts", "is_group"]

REPLY, RESULT, FINAL, PROGRESS = "reply", "result", "final", "progress"
_PRIVATE_ORDER = {REPLY: 0, RESULT: 1, FINAL: 2, PROGRESS: 3}
_GROUP_ORDER = {RESULT: 0, REPLY: 1, FINAL: 2, PROGRESS: 3}
PROGRESS_RESERVE = 0.25  # share of a group's window a progress edit must leave unspent
_PRUNE_FROM = 256  # group windows kept before idle ones are forgotten


class Dropped(TelegramError):
    """A progress edit that was not sent: a newer one replaced it, or its group's budget is
    short. Nothing reached Telegram."""

    def __init__(self, why: str):
        super().__init__(f"progress edit dropped: {why}")


def counts(endpoint: str) -> bool:
    """Whether a Bot API call is a message Telegram counts (sends and edits, not reactions,
    chat actions, updates, files or answers to button presses)."""
    return endpoint.startswith(("send", "edit", "copy", "forward")) and endpoint != "sendChatAction"


def is_group(chat: object) -> bool:
    # Negative ids are groups and channels; a string is a channel's @username.
    if isinstance(chat, str):
        return not chat.lstrip("-").isdigit() or chat.startswith("-")
    return isinstance(chat, int) and chat < 0


class Window:
    """At most `size` grants in any `seconds`. Keeps the stamps of the last `size` grants, in
    the order granted; a stamp moved later (`Grant.sent`) only makes it wait longer, never
    lets more through."""

    def __init__(self, size: int, seconds: float):
        self.size, self.seconds = max(1, int(size)), seconds
        self._stamps: deque[list[float]] = deque()

    def _expire(self, now: float) -> None:
        while self._stamps and self._stamps[0][0] <= now - self.seconds:
            self._stamps.popleft()

    def spare(self, now: float) -> int:
        self._expire(now)
        return self.size - len(self._stamps)

    def free_at(self, now: float) -> float:
        return now if self.spare(now) > 0 else self._stamps[0][0] + self.seconds

    def take(self, now: float) -> list[float]:
        stamp = [now]
        self._stamps.append(stamp)
        return stamp


@dataclass
class Grant:
    stamps: list[list[float]]
    clock: Callable[[], float]

    def sent(self) -> None:
        """The call leaves now: count it from now in every window it was granted by."""
        now = self.clock()
        for stamp in self.stamps:
            stamp[0] = max(stamp[0], now)


@dataclass(order=True)
class _Waiter:
    rank: int
    arrival: int
    group: Hashable | None = field(compare=False)
    replaces: Hashable | None = field(compare=False)
    turn: asyncio.Future = field(compare=False)
    stamps: list[list[float]] = field(default_factory=list, compare=False)


class Budget:
    """`clock` and `sleep` are injectable so that tests can run it on a clock of their own."""

    def __init__(self, *, per_second: float, group_per_minute: float, group_seconds: float = 60.0,
                 slack: float = 0.03, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]):
        self._overall = _window(per_second, 1.0, slack)
        self._group_size = (group_per_minute, group_seconds * (1 + slack))
        self._groups: dict[Hashable, Window] = {}
        self._prune_at = _PRUNE_FROM  # windows kept before the idle ones are looked for
        self._clock, self._sleep = clock, sleep
        self._arrivals = itertools.count()
        self._waiting: list[_Waiter] = []  # a heap: those with their group's grant, waiting for the overall one
        self._group_waiting: dict[Hashable, list[_Waiter]] = {}  # heaps: waiting for their group's grant
        self._replaceable: dict[Hashable, _Waiter] = {}
        self._promised: dict[Hashable, int] = {}  # group -> messages promised, not yet asked for
        self._wake = asyncio.Event()
        self._pump: asyncio.Task | None = None

    def spare(self, chat: Hashable) -> int:
        """Messages the group `chat` may still send in this window, less those already waiting
        or promised."""
        if not is_group(chat):
            return self._overall.spare(self._clock())
        waiting = sum(not w.turn.done() for w in self._group_waiting.get(chat, ()))
        return self._window(chat).spare(self._clock()) - waiting - self._promised.get(chat, 0)

    def short(self, chat: Hashable) -> bool:
        """Whether a group's budget is nearly spent: what is left is kept for results."""
        return is_group(chat) and self.spare(chat) <= self._reserve()

    @contextlib.contextmanager
    def promise(self, chat: Hashable) -> Iterator[bool]:
        """`with budget.promise(chat) as room:` — whether a message to `chat` fits without
        cutting into the share kept for results, counted as spent until the block ends. Under
        a burst many commands ask at once, before any of their messages reached the budget:
        without the promise each of them would see room, and their messages would queue."""
        if self.short(chat):
            yield False
            return
        if not is_group(chat):
            yield True
            return
        self._promised[chat] = self._promised.get(chat, 0) + 1
        try:
            yield True
        finally:
            self._promised[chat] -= 1
            if not self._promised[chat]:
                del self._promised[chat]

    def supersede(self, replaces: Hashable) -> None:
        """Drop the progress edit waiting under `replaces`: a newer text is on its way."""
        waiter = self._replaceable.pop(replaces, None)
        if waiter is not None and not waiter.turn.done():
            waiter.turn.set_exception(Dropped("a newer one replaced it"))

    async def take(self, chat: Hashable, kind: str, *, replaces: Hashable | None = None) -> Grant:
        """Wait for the budget to let a `kind` message to `chat` go; Dropped for progress that
        will not go."""
        group = chat if is_group(chat) else None
        rank = (_GROUP_ORDER if group is not None else _PRIVATE_ORDER).get(kind, _PRIVATE_ORDER[REPLY])
        if kind == PROGRESS:
            if replaces is not None:
                self.supersede(replaces)
            if group is not None and self.short(group):
                raise Dropped("the group's budget is kept for results")
        now = self._clock()
        window = self._window(group) if group is not None else None
        if (not self._waiting and self._overall.spare(now) > 0
                and (window is None or (not self._group_waiting.get(group) and window.spare(now) > 0))):
            stamps = [self._overall.take(now)] + ([window.take(now)] if window is not None else [])
            return Grant(stamps, self._clock)
        waiter = _Waiter(rank, next(self._arrivals), group, replaces,
                         asyncio.get_running_loop().create_future())
        if kind == PROGRESS and replaces is not None:
            self._replaceable[replaces] = waiter
        heapq.heappush(self._group_waiting.setdefault(group, []) if group is not None else self._waiting, waiter)
        self._wake.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve(), name="telegram-budget")
        try:
            return await waiter.turn
        finally:
            if self._replaceable.get(replaces) is waiter:
                del self._replaceable[replaces]

    async def close(self) -> None:
        """Stop handing out grants; callers still waiting are cancelled (the bot is stopping)."""
        for waiter in [*self._waiting, *(w for heap in self._group_waiting.values() for w in heap)]:
            waiter.turn.cancel()
        self._waiting, self._group_waiting = [], {}
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)

    def _reserve(self) -> int:
        return int(self._group_size[0] * PROGRESS_RESERVE)

    def _window(self, group: Hashable) -> Window:
        window = self._groups.get(group)
        if window is None:
            if len(self._groups) >= self._prune_at:
                self._prune(self._clock())
            window = self._groups[group] = _window(*self._group_size, 0.0)
        return window

    def _prune(self, now: float) -> None:
        """Forget the windows of groups that sent nothing for a whole window: such a window is
        a fresh one. A bot in thousands of groups would otherwise keep one for each of them
        for the life of the process. Run when the count doubled since the last run, so each
        new group costs O(1) on average."""
        for group, window in list(self._groups.items()):
            if window.spare(now) == window.size and group not in self._group_waiting:
                del self._groups[group]
        self._prune_at = max(_PRUNE_FROM, 2 * len(self._groups))

    async def _serve(self) -> None:
        """Hand out grants as the windows allow, best rank first, until nobody waits."""
        while True:
            self._wake.clear()
            now = self._clock()
            for group in list(self._group_waiting):
                self._admit(group, now)
            while self._waiting and self._overall.spare(now) > 0:
                waiter = heapq.heappop(self._waiting)
                if not waiter.turn.done():  # not dropped, not given up by its caller
                    waiter.stamps.append(self._overall.take(now))
                    waiter.turn.set_result(Grant(waiter.stamps, self._clock))
            if not self._waiting and not self._group_waiting:
                return
            due = [self._overall.free_at(now)] if self._waiting else []
            due += [self._groups[g].free_at(now) for g in self._group_waiting]
            await self._nap(max(0.0, min(due) - now))

    def _admit(self, group: Hashable, now: float) -> None:
        """Move a group's best waiters, as many as its window allows, on to the overall line."""
        heap, window = self._group_waiting[group], self._groups[group]
        while heap and window.spare(now) > 0:
            waiter = heapq.heappop(heap)
            if not waiter.turn.done():
                waiter.stamps.append(window.take(now))
                heapq.heappush(self._waiting, waiter)
        while heap and heap[0].turn.done():
            heapq.heappop(heap)
        if not heap:
            del self._group_waiting[group]

    async def _nap(self, seconds: float) -> None:
        """Sleep until a window frees a grant, or a new waiter comes (it may be served sooner)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        nap = asyncio.ensure_future(self._sleep(seconds))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({nap, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            nap.cancel()
            woken.cancel()


def _window(size: float, seconds: float, slack: float) -> Window:
    # a fractional rate keeps its rate over a shorter (or, under 1, longer) window: 2.5 a
    # second is 2 in 0.8 s, half a message a second is 1 in 2 s
    whole = max(1, int(size))
    return Window(whole, seconds * whole / size * (1 + slack))
