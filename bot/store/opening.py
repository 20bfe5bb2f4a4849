"""Opens the store the settings name: PostgreSQL when REELBOT_DATABASE_URL is set (shared by
any number of workers), else the SQLite file (one process at a time, under a file lock)."""

from __future__ import annotations

import os
import socket
import tempfile
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.store.database import Database
from bot.store.lock import InstanceLock
from bot.store.upgrade import NoDatabase, StoreRefused, before_opening, record_writer

__all__ = ["NoDatabase", "OpenStore", "StoreRefused", "open_store", "worker_name", "writable_data_dir"]


@dataclass
class OpenStore:
    db: Any  # Database or PgDatabase: the same interface
    shared: bool  # other processes may use it at the same time
    lock: InstanceLock | None = None

    async def close(self) -> None:
        await self.db.close()
        if self.lock is not None:
            await self.lock.aclose()


async def open_store(settings: Settings, *, exclusive: bool = True, create: bool = True) -> OpenStore:
    """`exclusive`: for a process that runs jobs. On SQLite it takes the file lock (raises
    AlreadyRunning if another process holds it); PostgreSQL needs none. `create` False: raise
    NoDatabase rather than create a database where there is none. Raises StoreRefused (and
    migrates nothing) for a schema newer than this code or an unbacked PostgreSQL migration;
    a SQLite file is backed up before its migrations run (bot.store.upgrade)."""
    if settings.database_url:
        from bot.store.postgres import PgDatabase  # asyncpg only where it is used
        await before_opening(settings, create=create)
        return OpenStore(await _recorded(await PgDatabase.open(settings.database_url)), shared=True)
    lock = None
    if exclusive:  # before the checks: a copy and the migrations run with no other runner on the file
        lock = InstanceLock(settings.database)
        lock.acquire()
    try:
        await before_opening(settings, create=create)
        return OpenStore(await _recorded(await Database.open(settings.database)), shared=False, lock=lock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def writable_data_dir(settings: Settings) -> None:
    """The SQLite file's directory exists (or can be made) and takes a new file; else
    StoreRefused with one sentence that says what to set."""
    if settings.database_url:
        return
    where = settings.database.parent
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as err:
        raise StoreRefused(f"the data directory {where} cannot be used ({err.strerror or err}); set "
                           "REELBOT_DATA_DIR or --data-dir to a directory reelbot may write") from None


async def _recorded(db):
    try:
        await record_writer(db)
    except BaseException:
        await db.close()
        raise
    return db


def worker_name(settings: Settings) -> str:
    """This process's name in job leases: REELBOT_WORKER_ID when set (a restart under the
    same name takes its jobs back at once), else host and pid (unique while it lives)."""
    return settings.worker_id or f"{socket.gethostname()}:{os.getpid()}"
