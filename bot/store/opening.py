"""Opens the store the settings name: PostgreSQL when REELBOT_DATABASE_URL is set (shared by
any number of workers), else the SQLite file (one process at a time, under a file lock)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.store.database import Database
from bot.store.lock import InstanceLock

__all__ = ["NoDatabase", "OpenStore", "open_store", "worker_name"]


class NoDatabase(RuntimeError):
    """A command that only acts on an existing database found none where the settings point."""


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
    NoDatabase rather than create a database where there is none."""
    if not create and not settings.database_url and not settings.database.is_file():
        raise NoDatabase(f"no reelbot database at {settings.database.resolve()}; point at the bot's with "
                         "--data-dir DIR (or REELBOT_DATA_DIR, REELBOT_DB, --database-url)")
    if settings.database_url:
        from bot.store.postgres import PgDatabase  # asyncpg only where it is used
        return OpenStore(await PgDatabase.open(settings.database_url), shared=True)
    lock = None
    if exclusive:
        lock = InstanceLock(settings.database)
        lock.acquire()
    try:
        return OpenStore(await Database.open(settings.database), shared=False, lock=lock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def worker_name(settings: Settings) -> str:
    """This process's name in job leases: REELBOT_WORKER_ID when set (a restart under the
    same name takes its jobs back at once), else host and pid (unique while it lives)."""
    return settings.worker_id or f"{socket.gethostname()}:{os.getpid()}"
