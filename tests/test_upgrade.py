"""Upgrades and rollbacks: a newer schema is refused, a migration never runs without a copy
of what it changes, and a SQLite backup can be put back after checking it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from bot import __version__
from bot.config import Settings
from bot.store.lock import InstanceLock
from bot.store.opening import open_store
from bot.store.schema import MIGRATIONS, postgres_migrations
from bot.store.upgrade import SCHEMA, BackupFirst
from entrypoints import exits
from tests.conftest import SIM_KEY
from tests.run_process import ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "7000006:AAHupgradeTOKEN_0123456789abcdef"
OLD = 5  # a schema version some migrations behind


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", "--env-file", str(cwd / "none.env"), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def sqlite_at(path: Path, version: int) -> None:
    """A SQLite database as an older (or, past SCHEMA, a newer) reelbot left it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_version_is_the_release(tmp_path):
    result = cli(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"reelbot {__version__}" == "reelbot 0.2.0"


async def test_run_refuses_a_database_whose_schema_is_newer_naming_the_version_that_wrote_it(simulator, tmp_path):
    db = tmp_path / "data" / "reelbot.db"
    sqlite_at(db, SCHEMA)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_writers (number INTEGER PRIMARY KEY, reelbot TEXT NOT NULL)")
    conn.execute("INSERT INTO schema_writers VALUES (?, '0.9.1')", (SCHEMA + 3,))
    conn.execute(f"PRAGMA user_version = {SCHEMA + 3}")
    conn.commit()
    conn.close()
    api = FakeBotApi(TOKEN)
    await api.start()
    env = {"AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(db.parent),
           "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_FILE_API_BASE": api.base_file_url}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        code = await bot.exited()
    finally:
        await api.close()
    assert code == exits.DATA
    assert f"schema version {SCHEMA + 3}, written by reelbot 0.9.1" in bot.output and "Traceback" not in bot.output
    assert query(db, "PRAGMA user_version") == [(SCHEMA + 3,)]  # untouched
    assert api.calls == []


async def test_a_sqlite_database_is_backed_up_before_its_migrations_run(tmp_path):
    db = tmp_path / "reelbot.db"
    sqlite_at(db, OLD)
    opened = await open_store(Settings(data_dir=tmp_path))
    await opened.close()
    [copy] = (tmp_path / "backups").iterdir()
    assert query(copy, "PRAGMA user_version") == [(OLD,)] and query(copy, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA user_version") == [(SCHEMA,)]
    assert query(db, "SELECT reelbot FROM schema_writers WHERE number = %d" % SCHEMA) == [(__version__,)]


async def test_an_up_to_date_sqlite_database_is_not_copied_on_every_start(tmp_path):
    for _ in range(2):
        await (await open_store(Settings(data_dir=tmp_path))).close()
    assert not (tmp_path / "backups").exists()


async def test_postgres_is_migrated_only_once_the_operator_says_a_backup_exists(pg_url):
    conn = await asyncpg.connect(pg_url)
    await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for number, script in enumerate(postgres_migrations()[:OLD], start=1):
        await conn.execute(script)
        await conn.execute("INSERT INTO schema_version VALUES ($1)", number)
    try:
        with pytest.raises(BackupFirst, match="pg_dump"):
            await open_store(Settings(database_url=pg_url))
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == OLD  # nothing migrated
        await (await open_store(Settings(database_url=pg_url, pg_migrate=True))).close()
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == SCHEMA
    finally:
        await conn.close()


def test_restore_puts_a_checked_backup_in_place_and_keeps_the_database_it_replaced(tmp_path):
    data = tmp_path / "reelbot-data"
    db = data / "reelbot.db"
    sqlite_at(db, SCHEMA)
    assert cli(tmp_path, "admin", "ban", "telegram:1").returncode == 0
    assert cli(tmp_path, "backup", str(tmp_path / "copy.db")).returncode == 0
    assert cli(tmp_path, "admin", "ban", "telegram:2").returncode == 0

    result = cli(tmp_path, "restore", str(tmp_path / "copy.db"))
    assert result.returncode == exits.OK, result.stderr
    assert query(db, "SELECT user_key FROM bans") == [("telegram:1",)]
    [kept] = (data / "backups").glob("reelbot-before-restore-*.db")
    assert sorted(query(kept, "SELECT user_key FROM bans")) == [("telegram:1",), ("telegram:2",)]


def test_restore_refuses_a_file_that_is_not_a_sound_database_and_changes_nothing(tmp_path):
    db = tmp_path / "reelbot-data" / "reelbot.db"
    sqlite_at(db, SCHEMA)
    before = db.read_bytes()
    (tmp_path / "garbage.db").write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    result = cli(tmp_path, "restore", str(tmp_path / "garbage.db"))
    assert result.returncode == exits.DATA and "nothing was restored" in result.stderr
    assert "Traceback" not in result.stderr and db.read_bytes() == before


def test_restore_refuses_while_a_bot_runs_on_the_database(tmp_path):
    db = tmp_path / "reelbot-data" / "reelbot.db"
    sqlite_at(db, SCHEMA)
    assert cli(tmp_path, "backup", str(tmp_path / "copy.db")).returncode == 0
    lock = InstanceLock(db)
    lock.acquire()  # as `reelbot run` holds it
    try:
        result = cli(tmp_path, "restore", str(tmp_path / "copy.db"))
    finally:
        lock.release()
    assert result.returncode == exits.CONFIG and "stop it first" in result.stderr


def test_a_backup_to_a_path_that_cannot_be_written_is_one_line_and_exit_3(tmp_path):
    sqlite_at(tmp_path / "reelbot-data" / "reelbot.db", SCHEMA)
    (tmp_path / "a-file").write_text("")
    result = cli(tmp_path, "backup", str(tmp_path / "a-file" / "copy.db"))
    assert result.returncode == exits.DATA
    assert len(result.stderr.splitlines()) == 1 and "a-file/copy.db" in result.stderr
