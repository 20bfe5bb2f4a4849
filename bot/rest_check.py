"""Whether a platform's REST API answers, for a process that holds no session with it.

A deliver-only worker (`reelbot run --role=worker`) reaches Discord and Telegram through
REST alone: no gateway or long poll tells it that the platform is reachable, so /healthz
would have nothing to go by. This asks a cheap authenticated question now and then.
`until_reachable` is the same patience at start-up: a platform's first call is tried again
until it answers.

Both are started by the platform adapters and know no platform (the adapters hand in the
call), so they live in bot/, which adapters may import (entry points they may not).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.background import Background
from bot.jobs.retry import backoff

__all__ = ["RestCheck", "until_reachable"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class RestCheck:
    def __init__(self, platform: str, ask: Callable[[], Awaitable[object]], *, interval: float = 30.0):
        self._platform, self._ask, self._interval = platform, ask, interval
        self._loop = Background(f"{platform}-rest-check", self._every_interval)
        self.healthy = False

    def start(self) -> None:
        """Call once the platform has answered (the adapter's login); checks go on from there."""
        self.healthy = True
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _every_interval(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self._ask()
            except Exception as err:  # any failure means "down" until the next check answers
                if self.healthy:
                    log.warning("%s: its REST API does not answer (%s)", self._platform, err)
                self.healthy = False
            else:
                if not self.healthy:
                    log.info("%s: its REST API answers again", self._platform)
                self.healthy = True


async def until_reachable(platform: str, step: Callable[[], Awaitable[T]], *,
                          transient: tuple[type[BaseException], ...], first_wait: float = 1.0,
                          longest_wait: float = 60.0, before_retry: Callable[[], Awaitable[object]] | None = None) -> T:
    """`step` until the platform answers it. A platform unreachable when the bot starts is
    waited for as one lost while it runs (an outage, a network not up yet after boot), not a
    crash that a supervisor restarts in a loop: each failed try is one log line, then a
    jittered backoff. Errors not in `transient` (a refused token) are raised at once."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await step()
        except transient as err:
            wait = backoff(attempt, first_wait, longest_wait)
            log.warning("%s: not reachable at start-up (try %d: %s); trying again in %.1f s",
                        platform, attempt, str(err) or type(err).__name__, wait)
        if before_retry is not None:
            await before_retry()
        await asyncio.sleep(wait)
