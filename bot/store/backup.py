"""A consistent copy of the live database, while the bot runs: SQLite's online backup API
copies a snapshot (WAL readers never block the bot's writes), then the copy is checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["backup"]


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
