"""Whether a platform's REST API answers, for a process that holds no session with it.

A deliver-only worker (`reelbot run --role=worker`) reaches Discord and Telegram through
REST alone: no gateway or long poll tells it that the platform is reachable, so /healthz
would have nothing to go by. This asks a cheap authenticated question now and then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.background import Background

__all__ = ["RestCheck"]

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
