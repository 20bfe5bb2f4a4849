"""A consistent copy of the live database, while the bot runs: SQLite's online backup API
copies a snapshot (WAL readers never block the bot's writes), then the copy is checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["backup", "check_copy", "restore"]


def backup(database: Path, target: Path) -> str:
    """Copy `database` to `target` (replaced if it exists); returns the copy's integrity check."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one snapshot, whatever the bot writes meanwhile
            [(verdict,)] = copy.execute("PRAGMA integrity_check").fetchall()
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)  # never a half-written file under the name the operator asked for
    return verdict


def check_copy(path: Path) -> tuple[str, int]:
    """A backup's integrity check and schema version, read without changing the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        [(verdict,)] = conn.execute("PRAGMA integrity_check").fetchall()
        [(version,)] = conn.execute("PRAGMA user_version").fetchall()
        return verdict, version
    finally:
        conn.close()


def restore(source: Path, database: Path) -> str:
    """Put the (already checked) copy `source` in place of `database`, page by page through
    the backup API, so that the database's WAL and the copy never mix; returns the result's
    integrity check. The caller holds the database's instance lock: no bot runs on it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(database, timeout=30)
        try:
            copy.backup(target)
            [(verdict,)] = target.execute("PRAGMA integrity_check").fetchall()
        finally:
            target.close()
    finally:
        copy.close()
    return verdict
