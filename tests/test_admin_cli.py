"""`reelbot admin` as an operator types it: it acts on the bot's database or on none, names
members by platform, and says what it found; failures exit non-zero."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.database import Database
from entrypoints import exits
from tests.conftest import RecordingMessenger
from tests.core.helpers import request

ROOT = Path(__file__).resolve().parents[1]


def admin(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", "--env-file", str(cwd / "none.env"), "admin",
                           *args], capture_output=True, text=True, cwd=cwd, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env})


def a_database(data_dir: Path) -> Path:
    """A bot's database, as `reelbot run` leaves it."""
    async def make() -> None:
        db = await Database.open(data_dir / "reelbot.db")
        await db.close()
    asyncio.run(make())
    return data_dir / "reelbot.db"


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_admin_in_an_empty_directory_creates_nothing_and_names_where_it_looked(tmp_path):
    result = admin(tmp_path, "pause", "maintenance")
    assert result.returncode == exits.DATA
    assert str(tmp_path / "reelbot-data" / "reelbot.db") in result.stderr and "--data-dir" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_admin_finds_the_database_named_by_data_dir_before_or_after_the_action(tmp_path):
    db = a_database(tmp_path / "data")
    assert admin(tmp_path, "--data-dir", str(tmp_path / "data"), "pause").returncode == exits.OK
    assert admin(tmp_path, "resume", "--data-dir", str(tmp_path / "data")).returncode == exits.OK
    assert [action for (action,) in rows(db, "SELECT action FROM audit ORDER BY id")] == ["pause", "resume"]


def test_a_grant_to_a_member_without_a_platform_is_refused_and_nothing_is_written(tmp_path):
    db = a_database(tmp_path / "reelbot-data")
    result = admin(tmp_path, "grant", "bob", "5")
    assert result.returncode == exits.REFUSED and "names no platform" in result.stderr
    assert rows(db, "SELECT COUNT(*) FROM ledger") == [(0,)]
    assert admin(tmp_path, "grant", "discord:bob", "5").returncode == exits.REFUSED  # Discord ids are numbers


def test_a_member_named_by_the_name_the_bot_has_seen_is_found(tmp_path):
    db = a_database(tmp_path / "reelbot-data")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO users VALUES ('telegram:1001', 'telegram', '1001', 'Ann Lee', 0, 0)")
    conn.close()
    result = admin(tmp_path, "grant", "@ann lee", "5")
    assert result.returncode == exits.OK and "telegram:1001" in result.stdout
    assert admin(tmp_path, "grant", "@nobody", "5").returncode == exits.REFUSED


def test_ban_and_unban_say_what_they_found_when_there_is_nothing_to_change(tmp_path):
    db = a_database(tmp_path / "reelbot-data")
    assert admin(tmp_path, "ban", "telegram:42").returncode == exits.OK
    again = admin(tmp_path, "ban", "telegram:42")
    assert "already banned" in again.stdout
    assert admin(tmp_path, "unban", "telegram:42").returncode == exits.OK
    assert "was not banned" in admin(tmp_path, "unban", "telegram:42").stdout
    assert [a for (a,) in rows(db, "SELECT action FROM audit ORDER BY id")] == ["ban", "unban"]  # once each


def test_a_refund_of_an_unknown_job_exits_non_zero(tmp_path):
    a_database(tmp_path / "reelbot-data")
    result = admin(tmp_path, "refund", "0123456789ab")
    assert result.returncode == exits.REFUSED and "No job 0123456789ab" in result.stderr


@pytest.mark.sqlite_only
async def test_a_second_refund_of_the_same_job_exits_non_zero_and_gives_nothing_back(make_core, tmp_path):
    core = await make_core()
    core.register("test", RecordingMessenger())
    await core.start()
    ticket = await core.submit(request("image", "a fox"))
    await core.wait_idle()
    first = await asyncio.to_thread(admin, tmp_path, "refund", ticket.job_id, REELBOT_DB=str(tmp_path / "reelbot.db"))
    second = await asyncio.to_thread(admin, tmp_path, "refund", ticket.job_id, REELBOT_DB=str(tmp_path / "reelbot.db"))
    assert first.returncode == exits.OK, first.stderr
    assert second.returncode == exits.REFUSED and "refunded already" in second.stderr
    assert rows(tmp_path / "reelbot.db", "SELECT COUNT(*) FROM ledger WHERE entry = 'reversal'") == [(1,)]


def test_admin_on_a_file_that_is_not_a_database_says_so_in_one_line(tmp_path):
    (tmp_path / "reelbot-data").mkdir()
    (tmp_path / "reelbot-data" / "reelbot.db").write_text("these are my notes")
    result = admin(tmp_path, "usage")
    assert result.returncode == exits.DATA and len(result.stderr.splitlines()) == 1
    assert "not a SQLite database" in result.stderr
    assert (tmp_path / "reelbot-data" / "reelbot.db").read_text() == "these are my notes"
