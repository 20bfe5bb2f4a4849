"""Group commit: callers that arrive while a transaction runs share the next one.

SQLite does one write transaction at a time, and every statement on the shared connection
is a trip to aiosqlite's thread and back. Requests that wait together are written together
(`write(batch)` returns one outcome per item, a value or an exception that is that item's
own). When a whole batch fails (a value SQLite refuses, a full disk), each item is tried
alone, so one bad item fails only itself.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["GroupCommit"]

log = logging.getLogger(__name__)
I = TypeVar("I")  # noqa: E741 - an item
O = TypeVar("O")  # noqa: E741 - its outcome


@dataclass
class _Pending(Generic[I]):
    item: I
    outcome: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommit(ABC, Generic[I, O]):
    max_batch = 2000
    what = "writes"

    def __init__(self) -> None:
        self._pending: list[_Pending[I]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: I) -> O:
        pending = _Pending(item)
        self._pending.append(pending)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await pending.outcome

    @abstractmethod
    async def write(self, items: list[I]) -> list[O | Exception]:
        """Write `items` in one transaction; an outcome per item, in order."""

    def next_batch(self, pending: list[_Pending[I]]) -> tuple[list[_Pending[I]], list[_Pending[I]]]:
        """The next batch and what waits for the one after (override to keep items apart)."""
        return pending[:self.max_batch], pending[self.max_batch:]

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self.next_batch(self._pending)
            try:
                outcomes = await self.write([p.item for p in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0], exc)
                    continue
                log.warning("a batch of %d %s failed (%s); writing them one by one", len(batch), self.what, exc)
                for pending in batch:
                    try:
                        [outcome] = await self.write([pending.item])
                    except Exception as item_exc:
                        outcome = item_exc
                    _settle(pending, outcome)
                continue
            except BaseException as exc:
                for pending in batch:
                    _settle(pending, RuntimeError(f"{self.what} interrupted: {exc!r}"))
                raise
            for pending, outcome in zip(batch, outcomes, strict=True):
                _settle(pending, outcome)


def _settle(pending: _Pending[Any], outcome: Any) -> None:
    if pending.outcome.done():
        return
    if isinstance(outcome, Exception):
        pending.outcome.set_exception(outcome)
    else:
        pending.outcome.set_result(outcome)
