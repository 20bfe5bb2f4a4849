"""`reelbot backup PATH` and `reelbot restore PATH`: SQLite copies an operator can trust.

A backup is taken through the online backup API while the bot runs; a restore needs the
bot stopped (it takes the data directory's lock), checks the copy before anything is
replaced, and keeps the database it replaces under backups/.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

from bot.config import Settings
from bot.store.backup import backup, check_copy, restore
from bot.store.lock import InstanceLock
from bot.store.upgrade import SCHEMA
from entrypoints import exits

__all__ = ["backup_command", "restore_command"]


def _sqlite_only(settings: Settings, what: str) -> None:
    if settings.database_url:
        raise exits.Failure(exits.CONFIG, f"the store is PostgreSQL; {what} it with pg_dump / pg_restore "
                            "(see README, Backups)")


async def backup_command(args, settings: Settings, env) -> int:
    _sqlite_only(settings, "back up")
    if not settings.database.is_file():
        raise exits.Failure(exits.DATA, f"no reelbot database at {settings.database.resolve()}; point at the "
                            "bot's with --data-dir DIR (or REELBOT_DATA_DIR, REELBOT_DB)")
    try:
        verdict = await asyncio.to_thread(backup, settings.database, args.path)
    except (OSError, sqlite3.Error) as err:
        raise exits.Failure(exits.DATA, f"cannot back {settings.database} up to {args.path}: {err}") from None
    print(f"backed up {settings.database} to {args.path}: integrity {verdict}")
    return exits.OK if verdict == "ok" else exits.DATA


async def restore_command(args, settings: Settings, env) -> int:
    _sqlite_only(settings, "restore")
    source, database = args.path, settings.database
    if not source.is_file():
        raise exits.Failure(exits.DATA, f"no backup at {source.resolve()}; nothing was restored")
    try:
        verdict, version = await asyncio.to_thread(check_copy, source)
    except sqlite3.Error as err:
        raise exits.Failure(exits.DATA, f"{source} is not a usable SQLite database ({err}); nothing was restored")
    if verdict != "ok":
        raise exits.Failure(exits.DATA, f"{source} fails its integrity check ({verdict}); nothing was restored")
    if not 0 < version <= SCHEMA:
        raise exits.Failure(exits.DATA, f"{source} has schema version {version}; this reelbot reads 1 to {SCHEMA}"
                            " (a newer one needs the reelbot that wrote it); nothing was restored")
    lock = InstanceLock(database)
    lock.acquire()  # AlreadyRunning while a bot runs on it: stop that first
    try:
        kept = None
        if database.is_file():
            kept = database.parent / "backups" / f"{database.stem}-before-restore-{time.strftime('%Y%m%d-%H%M%S')}.db"
            await asyncio.to_thread(backup, database, kept)
        verdict = await asyncio.to_thread(restore, source, database)
    except (OSError, sqlite3.Error) as err:
        raise exits.Failure(exits.DATA, f"cannot restore {source} to {database}: {err}") from None
    finally:
        lock.release()
    print(f"restored {source} (schema {version}) to {database}: integrity {verdict}"
          + (f"; the database it replaced is kept in {kept}" if kept else ""))
    return exits.OK if verdict == "ok" else exits.DATA
