"""Living with Telegram's flood control: stay under its limits, and obey every wait it asks for.

Every Bot API call passes through one FloodGate (PTB's rate-limiter hook, so no call can
slip past it). Ahead of time it keeps to Telegram's published limits — about 30 messages a
second overall and 20 a minute in one group — so a busy group does not trip flood control in
the first place; that budget (adapters.telegram.budget) serves its waiters by what they carry:
results and replies to new commands before final states, progress last (and dropped first).
Callers say what a call carries with `rate_limit_args` (FIRST, AS_RESULT, AS_FINAL,
as_progress). It also lets only `concurrent` calls be under way at once (resized to the
send rate and Telegram's latency, adapters.telegram.concurrency), never more than the HTTP
client has connections: calls beyond that would queue inside the client's pool. Here they
wait their turn, and a call made
with `rate_limit_args=FIRST` (the reply that tells a member their command was taken) goes
before the others (status edits, results): under a burst, members hear back first. After a RetryAfter it holds every further call to that chat until the wait
Telegram asked for has passed, however long that is: Telegram escalates the limits of a bot
that re-sends early. The RetryAfter itself still reaches the caller, who decides whether to
try again (`patiently`) or to let the core retry later (deliveries).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import aiohttp
import httpx
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram.budget import FINAL, PROGRESS, REPLY, RESULT, Budget, counts
from adapters.telegram.config import CONCURRENT_CALLS

__all__ = ["FIRST", "AS_RESULT", "AS_FINAL", "as_progress", "FloodGate", "retry_after_seconds", "patiently"]

log = logging.getLogger(__name__)
T = TypeVar("T")

OVERALL_PER_SECOND = 30  # Telegram: "no more than 30 messages per second" across chats
GROUP_RATE = (20, 60.0)  # Telegram: "no more than 20 messages per minute" in one group
# rate_limit_args: what a call carries, which decides its place in the budget's line
FIRST = {"first": True, "kind": REPLY}  # the reply to a new command: also first to a free connection
AS_RESULT = {"kind": RESULT}
AS_FINAL = {"kind": FINAL}  # the last text of a status message (done, failed, cancelled)


def as_progress(chat_id: object, message_id: object) -> dict:
    """A progress edit of that message: dropped when a newer one of it comes, or a group's
    budget is short."""
    return {"kind": PROGRESS, "replaces": (str(chat_id), str(message_id))}


def retry_after_seconds(err: RetryAfter) -> float:
    # PTB 22 is moving `retry_after` from int to timedelta: it is an int unless PTB_TIMEDELTA
    # is set (the adapter sets it, see adapter.py), and reading the int warns. Take both, and
    # silence that warning where it is not set (a StatusBoard used without the adapter).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class FloodGate(BaseRateLimiter[dict]):
    """`clock` and `sleep` are injectable so that tests can check a long wait without waiting."""

    def __init__(self, *, per_second: float = OVERALL_PER_SECOND, group_rate: tuple[float, float] = GROUP_RATE,
                 concurrent: int = CONCURRENT_CALLS, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.budget = Budget(per_second=per_second, group_per_minute=group_rate[0], group_seconds=group_rate[1],
                             clock=clock, sleep=sleep)
        self._in_flight = Turns(concurrent)
        self._clock, self._sleep = clock, sleep
        # When calls to a chat (or, for calls without one, to a method) may go again.
        self._not_before: dict[object, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up: the budget starts unspent."""

    async def shutdown(self) -> None:
        """Stop the budget's own task; calls still waiting for budget are cancelled."""
        await self.budget.close()

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: dict | None) -> Any:
        chat = data.get("chat_id")
        key = ("chat", chat) if chat is not None else ("method", endpoint)
        await self.wait_turn(key)
        args_ = rate_limit_args or {}
        grant = None
        if counts(endpoint):  # Dropped (a progress edit that will not go) reaches the caller
            grant = await self.budget.take(chat, args_.get("kind", REPLY), replaces=args_.get("replaces"))
        # A RetryAfter that reached another call while this one queued in the budget.
        await self.wait_turn(key)
        try:
            await self._in_flight.acquire(first=bool(args_.get("first")))
            try:
                if grant is not None:
                    grant.sent()
                return await callback(*args, **kwargs)
            finally:
                self._in_flight.release()
        except RetryAfter as err:
            wait = retry_after_seconds(err)
            self._not_before[key] = max(self._not_before.get(key, 0.0), self._clock() + wait)
            log.info("Telegram flood control on %s %s: nothing goes there for %.1f s", *key, wait)
            raise

    def resize(self, concurrent: int) -> None:
        """Let `concurrent` calls be under way at once from now on (adapters.telegram.concurrency)."""
        self._in_flight.resize(concurrent)

    async def wait_turn(self, key: object) -> None:
        """Return once calls to `key` are allowed again."""
        while (delay := self._not_before.get(key, 0.0) - self._clock()) > 0:
            await self._sleep(delay)
        self._not_before.pop(key, None)


class Turns:
    """A semaphore whose waiters marked `first` are let in before the others (each kind in
    the order it came), and whose size can change while calls hold and wait for turns
    (adapters.telegram.concurrency sizes it to Telegram's latency)."""

    def __init__(self, size: int):
        self.size = size
        self._free = size  # below 0 after a shrink: turns still out that are not given back to anyone
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # a heap: (rank, arrival, future)
        self._arrivals = itertools.count()

    async def acquire(self, *, first: bool = False) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (0 if first else 1, next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed a turn just as the caller gave up: pass it on
            raise

    def resize(self, size: int) -> None:
        """From now on let `size` calls be under way at once. Growing lets waiters in at once;
        shrinking takes the surplus turns back as the calls holding them end."""
        if size < 1:
            raise ValueError(f"a size of at least 1 is needed, not {size}")
        self._free += size - self.size
        self.size = size
        while self._free > 0 and self._waiting:
            self._free -= 1
            self.release()

    def release(self) -> None:
        if self._free < 0:  # the size shrank while this turn was out: it goes back to no one
            self._free += 1
            return
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # not given up by its caller
                turn.set_result(None)
                return
        self._free += 1


async def patiently(call: Callable[[], Awaitable[T]], *, attempts: int = 5,
                    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """Run `call` and try again after flood control or a failure that proves nothing was
    posted (a 5xx answer, no connection), up to `attempts` times in all.

    After a RetryAfter it tries again at once: the bot's FloodGate holds that call until
    Telegram allows it, whatever the wait. A timeout while Telegram was answering is not
    retried, since the message may be in the chat already.
    """
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter:
            if attempt == attempts:
                raise
        except NetworkError as err:
            if attempt == attempts or not _not_sent(err):
                raise
            log.info("Telegram call failed (%s); trying again in %.0f s", err, delay)
            await sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _not_sent(err: NetworkError) -> bool:
    cause = err.__cause__
    # httpx (getUpdates) or aiohttp (every other call, adapters.telegram.transport): a timeout
    # while connecting, or waiting for a free connection, or no connection at all
    if isinstance(err, TimedOut):
        return isinstance(cause, (httpx.ConnectTimeout, httpx.PoolTimeout, aiohttp.ConnectionTimeoutError))
    # None or a TelegramError: Telegram answered with a server error; else how the transport failed
    return cause is None or isinstance(cause, (TelegramError, httpx.ConnectError, aiohttp.ClientConnectorError))
