"""The inbox at the door: platform events stored before the platform may forget them.

Telegram forgets an update once the bot asks for the next offset (or answers its webhook
call with 200). An update is therefore written here first and marked handled only once its
command has become a job or a reply; a crash in between leaves it unhandled, and the next
start processes it again. The job it makes is keyed on the update, so doing that twice never
makes two jobs. Handled rows are kept a day (redeliveries are recognised meanwhile), then
purged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.store.rows import Rows, write_rows

__all__ = ["Inbox", "InboxEntry", "KEEP_HANDLED"]

KEEP_HANDLED = 24 * 3600.0  # seconds a handled row is kept to recognise redeliveries
_MAX_ROWS = 500  # rows per INSERT: 5 parameters each, well below SQLite's limit
_HANDLED = Rows("UPDATE inbox SET handled_at = v.column3 FROM (VALUES", "(?, ?, ?)",
                ") AS v WHERE inbox.platform = v.column1 AND inbox.update_id = v.column2",
                one_row="UPDATE inbox SET handled_at = ?3 WHERE platform = ?1 AND update_id = ?2")


@dataclass(frozen=True)
class InboxEntry:
    update_id: int
    payload: str  # the event as the platform sent it (JSON)
    failures: int = 0


class _Marks(GroupCommit[tuple[str, int, float], None]):
    """Marks are many and tiny: group-committed like the runner's writes."""

    what = "inbox marks"

    def __init__(self, db: Database):
        super().__init__()
        self._db = db

    async def write(self, items: list[tuple[str, int, float]]) -> list[None]:
        async with self._db.transaction() as conn:
            await write_rows(conn, _HANDLED, items)
        return [None] * len(items)


class Inbox:
    def __init__(self, db: Database):
        self._db = db
        self._marks = _Marks(db)

    async def store(self, platform: str, entries: Sequence[InboxEntry], now: float) -> set[int]:
        """Write `entries` in one transaction; returns the ids that were not stored before
        (a redelivered update is stored once and reported only the first time)."""
        new: set[int] = set()
        async with self._db.transaction() as conn:
            for start in range(0, len(entries), _MAX_ROWS):
                chunk = entries[start:start + _MAX_ROWS]
                sql = ("INSERT INTO inbox (platform, update_id, payload, received_at, failures) VALUES "
                       + ", ".join(["(?, ?, ?, ?, 0)"] * len(chunk))
                       + " ON CONFLICT (platform, update_id) DO NOTHING RETURNING update_id")
                params = [value for e in chunk for value in (platform, e.update_id, e.payload, now)]
                new.update(row[0] for row in await conn.execute_fetchall(sql, params))
        return new

    async def handled(self, platform: str, update_id: int, now: float) -> None:
        await self._marks.submit((platform, update_id, now))

    async def failed(self, platform: str, update_id: int) -> int:
        """Count a failed attempt; returns the failures so far."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "UPDATE inbox SET failures = failures + 1 WHERE platform = ? AND update_id = ? "
                "RETURNING failures", (platform, update_id))
        return rows[0][0] if rows else 0

    async def unhandled(self, platform: str) -> list[InboxEntry]:
        """Stored and never handled, oldest first: what a crash left behind."""
        rows = await self._db.fetchall(
            "SELECT update_id, payload, failures FROM inbox WHERE platform = ? AND handled_at IS NULL "
            "ORDER BY update_id", (platform,))
        return [InboxEntry(row["update_id"], row["payload"], row["failures"]) for row in rows]

    async def is_handled(self, platform: str, update_id: int) -> bool:
        row = await self._db.fetchone("SELECT handled_at FROM inbox WHERE platform = ? AND update_id = ?",
                                      (platform, update_id))
        return row is not None and row["handled_at"] is not None

    async def purge(self, now: float, keep: float = KEEP_HANDLED) -> int:
        """Forget rows handled more than `keep` seconds ago; returns how many."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
                                        (now - keep,))
            return cursor.rowcount
