"""What opening a database checks before its migrations run.

- A schema newer than this code's is refused, naming the reelbot version that wrote it:
  old code on a new schema would write rows the new code no longer reads (a rollback after
  an upgrade must restore the backup taken before it, not run on the upgraded file).
- SQLite: a copy through the online backup API is taken before any migration, beside the
  database (`backups/`), so an upgrade can always be undone.
- PostgreSQL: reelbot cannot take that copy itself (pg_dump belongs to the operator), so it
  migrates only when told the copy exists (REELBOT_PG_MIGRATE=yes, `run --i-have-a-backup`).
- A command that acts only on an existing database (`reelbot admin`) finds none: refused.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

from bot import __version__
from bot.config import Settings
from bot.store.backup import backup
from bot.store.schema import MIGRATIONS

__all__ = ["SCHEMA", "StoreRefused", "NoDatabase", "SchemaTooNew", "BackupFirst", "before_opening",
           "record_writer", "sqlite_schema"]

log = logging.getLogger(__name__)

SCHEMA = len(MIGRATIONS)  # the schema version this code brings a database to

# Which reelbot first brought the database to each schema version; outside the migrations
# on purpose, so that code older than a schema can still read who wrote it.
_WRITERS = "CREATE TABLE IF NOT EXISTS schema_writers (number INTEGER PRIMARY KEY, reelbot TEXT NOT NULL)"


class StoreRefused(RuntimeError):
    """The database cannot be used as it is; the message says what to do."""


class NoDatabase(StoreRefused):
    pass


class SchemaTooNew(StoreRefused):
    pass


class BackupFirst(StoreRefused):
    pass


def sqlite_schema(path: Path) -> tuple[int, str | None]:
    """The file's schema version and the reelbot version that wrote it (None: not recorded)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        [(version,)] = conn.execute("PRAGMA user_version").fetchall()
        try:
            row = conn.execute("SELECT reelbot FROM schema_writers WHERE number = ?", (version,)).fetchone()
        except sqlite3.OperationalError:  # written before 0.2.0 recorded it
            row = None
        return version, row[0] if row else None
    finally:
        conn.close()


async def _postgres_schema(url: str) -> tuple[int, str | None]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        version = await conn.fetchval(
            "SELECT max(version) FROM schema_version") if await _has_table(conn, "schema_version") else 0
        writer = None
        if version and await _has_table(conn, "schema_writers"):
            writer = await conn.fetchval("SELECT reelbot FROM schema_writers WHERE number = $1", version)
        return version or 0, writer
    finally:
        await conn.close()


async def _has_table(conn, name: str) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name)


async def before_opening(settings: Settings, *, create: bool) -> None:
    """Raise StoreRefused if the database must not be opened (and migrated) as it is; back a
    SQLite file up first if its migrations are about to run."""
    if settings.database_url:
        where = "the PostgreSQL database"
        version, writer = await _postgres_schema(settings.database_url)
    else:
        path = settings.database
        where = str(path.resolve())
        if not path.is_file():
            if create:
                return
            raise NoDatabase(f"no reelbot database at {where}; point at the bot's with --data-dir DIR "
                             "(or REELBOT_DATA_DIR, REELBOT_DB, --database-url)")
        try:
            version, writer = await asyncio.to_thread(sqlite_schema, path)
        except sqlite3.DatabaseError as err:
            raise StoreRefused(f"{where} is not a SQLite database reelbot can read ({err}); point at the "
                               "bot's with --data-dir DIR, or restore a backup (reelbot restore FILE)") from None
    if version == 0 and not create:
        raise NoDatabase(f"{where} holds no reelbot data yet; point at the bot's with --data-dir DIR "
                         "(or REELBOT_DATA_DIR, REELBOT_DB, --database-url)")
    if version > SCHEMA:
        raise SchemaTooNew(
            f"{where} has schema version {version}, written by reelbot {writer or 'newer than 0.2.0'}; "
            f"this is reelbot {__version__} (schema {SCHEMA}). Run that version again, or restore the "
            "backup taken before the upgrade (reelbot restore FILE).")
    if not 0 < version < SCHEMA:
        return
    if settings.database_url:
        if not settings.pg_migrate:
            raise BackupFirst(
                f"{where} has schema version {version}; reelbot {__version__} migrates it to {SCHEMA}. Back it "
                "up first (pg_dump --format=custom --file=reelbot-before-upgrade.dump \"$REELBOT_DATABASE_URL\"), "
                "then start once with REELBOT_PG_MIGRATE=yes or `reelbot run --i-have-a-backup`.")
        log.warning("migrating the PostgreSQL schema from version %d to %d (REELBOT_PG_MIGRATE=yes)", version, SCHEMA)
        return
    copy = settings.database.parent / "backups" / (
        f"{settings.database.stem}-schema{version}-{time.strftime('%Y%m%d-%H%M%S')}.db")
    verdict = await asyncio.to_thread(backup, settings.database, copy)
    if verdict != "ok":
        raise StoreRefused(f"the copy taken before migrating {where} failed its integrity check ({verdict}); "
                           "nothing was migrated. Check the database with sqlite3 before going on.")
    log.warning("backed up %s to %s before migrating its schema from version %d to %d", where, copy, version, SCHEMA)


async def record_writer(db) -> None:
    """Note this version as the writer of the schema it runs (once per schema version)."""
    async with db.transaction() as conn:
        await conn.execute(_WRITERS)
        await conn.execute("INSERT INTO schema_writers (number, reelbot) VALUES (?, ?) ON CONFLICT (number) DO NOTHING",
                           (SCHEMA, __version__))
