"""Group commit for the job runner's writes.

Each job's state change must be on disk before its next step, and every statement on the
shared connection costs a trip to aiosqlite's thread and back through the event loop. With
thousands of jobs in flight, one trip per write made the database the bottleneck. Writes
that arrive while a transaction runs wait for the next one and go together, as one
multi-row statement per statement shape (bot.store.rows). Every writer awaits its own write,
so no job ever has two writes outstanding and grouping by shape cannot reorder one job's
changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.store.database import Database
from bot.store.rows import Rows, write_rows

__all__ = ["BatchWriter", "Statement"]

Statement = tuple[Rows, Sequence]  # a statement shape and one row of values
MAX_BATCH = 2000


@dataclass
class _Pending:
    statements: Sequence[Statement]
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class BatchWriter:
    def __init__(self, db: Database):
        self._db = db
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, *statements: Statement) -> None:
        """Run `statements` in one transaction (possibly with others' writes); return once committed."""
        pending = _Pending(statements)
        self._pending.append(pending)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await pending.done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            grouped: dict[Rows, list[Sequence]] = {}
            for item in batch:
                for shape, params in item.statements:
                    grouped.setdefault(shape, []).append(params)
            try:
                async with self._db.transaction() as conn:
                    for shape, rows in grouped.items():
                        await write_rows(conn, shape, rows)
            except Exception as exc:
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)
                continue
            except BaseException as exc:
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(RuntimeError(f"write interrupted: {exc!r}"))
                raise
            for item in batch:
                if not item.done.done():
                    item.done.set_result(None)
