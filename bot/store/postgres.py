"""The PostgreSQL store: the same interface as the SQLite `Database`, over an asyncpg pool,
so that several `reelbot run` processes can share one database.

The store's SQL is SQLite's, translated (bot.store.dialect). Write transactions take one
transaction-scoped advisory lock first: that gives every read-then-write in the store (a
quota check and its reservation, a state check and its transition) what `BEGIN IMMEDIATE`
gives it on SQLite — no other process can write between the read and the write — without
auditing each for the right row locks. Writes come in group-committed batches, so one lock
per batch is not the bottleneck. Lease claims and renewals, which are single statements,
skip it (`exclusive=False`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg

from bot.store.dialect import to_postgres
from bot.store.schema import postgres_migrations

__all__ = ["PgDatabase", "PgConnection", "is_postgres_url"]

log = logging.getLogger(__name__)
WRITE_LOCK = 0x7265656C  # 'reel': the advisory lock every write transaction holds
_CLOSE_WAIT = 10.0  # seconds
_RETURNS_ROWS = ("SELECT", "WITH", "VALUES")


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0] in ("postgres", "postgresql")


def _numeric(text: str) -> int | float:
    # SUM over integers is NUMERIC in PostgreSQL; the store counts whole credits
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _setup(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


class _Result:
    """What aiosqlite's `execute` gives: awaitable, and an async context manager, for a
    cursor with `fetchone`, `fetchall` and `rowcount`."""

    def __init__(self, conn: PgConnection, sql: str, params: Sequence[Any]):
        self._conn, self._sql, self._params = conn, sql, params
        self.rows: list[asyncpg.Record] = []
        self.rowcount = -1

    async def _run(self) -> _Result:
        sql = to_postgres(self._sql)
        raw = self._conn.raw
        if sql.lstrip().upper().startswith(_RETURNS_ROWS) or " RETURNING " in sql.upper():
            self.rows = await raw.fetch(sql, *self._params)
            self.rowcount = len(self.rows)
        else:
            status = await raw.execute(sql, *self._params)
            last = status.rsplit(" ", 1)[-1]
            self.rowcount = int(last) if last.isdigit() else -1
        return self

    def __await__(self):
        return self._run().__await__()

    async def __aenter__(self) -> _Result:
        return await self._run()

    async def __aexit__(self, *exc) -> None:
        return None

    async def fetchone(self) -> asyncpg.Record | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return list(self.rows)


class PgConnection:
    """One pooled connection, speaking the subset of aiosqlite's API the store uses."""

    dialect = "postgres"

    def __init__(self, raw: asyncpg.Connection):
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        return _Result(self, sql, params)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        return await self.raw.fetch(to_postgres(sql), *params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self.raw.executemany(to_postgres(sql), rows)


class PgDatabase:
    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    @classmethod
    async def open(cls, url: str, *, max_connections: int = 10) -> PgDatabase:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=max_connections, init=_setup)
        db = cls(pool)
        try:
            await db._migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        try:  # a query that never ends must not keep the process from stopping
            await asyncio.wait_for(self._pool.close(), _CLOSE_WAIT)
        except TimeoutError:
            log.warning("closing the PostgreSQL pool took over %.0f s; connections terminated", _CLOSE_WAIT)
            self._pool.terminate()

    @asynccontextmanager
    async def transaction(self, *, exclusive: bool = True) -> AsyncIterator[PgConnection]:
        """A transaction on a pooled connection. Its COMMIT is shielded, as on SQLite: a
        caller cancelled while committing must not leave the outcome unknown to the process."""
        async with self._pool.acquire() as raw:
            transaction = raw.transaction()
            await transaction.start()
            try:
                if exclusive:
                    await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                yield PgConnection(raw)
            except BaseException:
                await _to_the_end(transaction.rollback())
                raise
            else:
                await _to_the_end(transaction.commit())

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PgConnection]:
        async with self._pool.acquire() as raw:
            yield PgConnection(raw)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        async with self._pool.acquire() as raw:
            return await raw.fetch(to_postgres(sql), *params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> asyncpg.Record | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def _migrate(self) -> None:
        async with self.transaction() as conn:  # the write lock: workers starting together migrate once
            await conn.raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = await conn.raw.fetchval("SELECT max(version) FROM schema_version") or 0
            scripts = postgres_migrations()
            for number, script in enumerate(scripts[version:], start=version + 1):
                log.info("migrating database to schema version %d", number)
                await conn.raw.execute(script)
                await conn.raw.execute("INSERT INTO schema_version (version) VALUES ($1)", number)


async def _to_the_end(step: Awaitable[None]) -> None:
    """Finish `step` even if the caller is cancelled meanwhile (then re-raise that): the
    connection may go back to the pool only once its COMMIT or ROLLBACK has ended."""
    task = asyncio.ensure_future(step)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    task.result()
