"""The SQLite connection: WAL, versioned schema, and one writer at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.schema import MIGRATIONS

__all__ = ["Database"]

log = logging.getLogger(__name__)


class Database:
    """One aiosqlite connection shared by the process (bot.store.postgres has the same
    interface over PostgreSQL).

    Every statement runs under one asyncio lock: a coroutine's transaction must never pick
    up another coroutine's statements, which sharing a connection would otherwise allow.
    """

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection):
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)  # we issue BEGIN ourselves
        conn.row_factory = aiosqlite.Row
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
            await conn.execute(f"PRAGMA {pragma}")
        db = cls(conn)
        await db._migrate()
        return db

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self, *, exclusive: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT: takes SQLite's write lock up front, so two processes on
        one file cannot both read a balance and both spend it. (`exclusive` matters only to
        PostgreSQL: SQLite has one writer at a time anyway.)"""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await asyncio.shield(self._conn.rollback())
                raise
            else:
                await asyncio.shield(self._conn.commit())

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for reads that need several statements without a write lock."""
        async with self._lock:
            yield self._conn

    async def fetchall(self, sql: str, params=()) -> list[aiosqlite.Row]:
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params=()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def _migrate(self) -> None:
        async with self.transaction() as conn:
            async with conn.execute("PRAGMA user_version") as cur:
                (version,) = await cur.fetchone()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                log.info("migrating database to schema version %d", number)
                for statement in filter(str.strip, script.split(";")):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
