"""One named background task of the core's: started when asked (again, if it has ended) and
cancelled on stop. The event-loop lag watch, retention and the account probe use it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["Background"]


class Background:
    def __init__(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]):
        self._name, self._run = name, run
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
