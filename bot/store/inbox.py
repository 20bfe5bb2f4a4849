"""The inbox at the door: platform events stored before the platform may forget them.

Telegram forgets an update once the bot asks for the next offset (or answers its webhook
call with 200). An update is therefore written here first and marked handled only once its
command has become a job or a reply; a crash in between leaves it unhandled, and the next
start processes it again. The job it makes is keyed on the update, so doing that twice never
makes two jobs. Handled rows are kept a day (redeliveries are recognised meanwhile), then
purged.

Several receivers may share one store (webhook receivers behind a load balancer, fronts on
one database), and each sweeps for rows left unhandled. So a row is *claimed* before it is
handled (`claimed_by`, `claimed_until`: one conditional UPDATE, which only one receiver
wins) and the claim is renewed while its handler runs; a row whose receiver died is free
again once the claim lapses. A failed row waits out its backoff behind a claim held by
nobody, and after too many failures it is *parked*: kept, never tried again, and never
purged, for an operator to look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.store.rows import Rows, write_rows

__all__ = ["Inbox", "InboxEntry", "KEEP_HANDLED"]

KEEP_HANDLED = 24 * 3600.0  # seconds a handled row is kept to recognise redeliveries
_MAX_ROWS = 500  # rows per INSERT: 6 parameters each, well below SQLite's limit
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

    async def store(self, platform: str, entries: Sequence[InboxEntry], now: float, *,
                    claim: tuple[str, float] | None = None) -> set[int]:
        """Write `entries` in one transaction; returns the ids that were not stored before
        (a redelivered update is stored once and reported only the first time). `claim`
        (owner, until): the new rows are claimed by `owner` as they are written."""
        owner, until = claim if claim is not None else (None, None)
        new: set[int] = set()
        async with self._db.transaction() as conn:
            for start in range(0, len(entries), _MAX_ROWS):
                chunk = entries[start:start + _MAX_ROWS]
                sql = ("INSERT INTO inbox (platform, update_id, payload, received_at, failures, claimed_by, "
                       "claimed_until) VALUES " + ", ".join(["(?, ?, ?, ?, 0, ?, ?)"] * len(chunk))
                       + " ON CONFLICT (platform, update_id) DO NOTHING RETURNING update_id")
                params = [value for e in chunk for value in (platform, e.update_id, e.payload, now, owner, until)]
                new.update(row[0] for row in await conn.execute_fetchall(sql, params))
        return new

    async def claim(self, platform: str, update_id: int, owner: str, now: float, until: float, *,
                    take_over: bool = False) -> InboxEntry | None:
        """Claim one unhandled, unparked row for `owner` until `until`; None when it is handled,
        parked, or claimed by another receiver whose claim still holds (or waiting out its
        backoff). `take_over`: also a claim another still holds (the one receiver of a store
        at its start: whoever held it died)."""
        free = "" if take_over else " AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)"
        params: tuple = (owner, until, platform, update_id) + (() if take_over else (now, owner))
        async with self._db.transaction(exclusive=False) as conn:
            rows = await conn.execute_fetchall(
                "UPDATE inbox SET claimed_by = ?, claimed_until = ? WHERE platform = ? AND update_id = ? "
                f"AND handled_at IS NULL AND parked_at IS NULL{free} RETURNING update_id, payload, failures", params)
        return InboxEntry(rows[0][0], rows[0][1], rows[0][2]) if rows else None

    async def renew(self, platform: str, owner: str, update_ids: Iterable[int], until: float) -> int:
        """Extend `owner`'s claims of `update_ids` (the rows it is handling); returns how many."""
        ids = list(update_ids)
        renewed = 0
        async with self._db.transaction(exclusive=False) as conn:
            for start in range(0, len(ids), _MAX_ROWS):
                chunk = ids[start:start + _MAX_ROWS]
                cursor = await conn.execute(
                    f"UPDATE inbox SET claimed_until = ? WHERE platform = ? AND claimed_by = ? AND handled_at IS NULL "
                    f"AND update_id IN ({', '.join('?' * len(chunk))})", (until, platform, owner, *chunk))
                renewed += cursor.rowcount
        return renewed

    async def handled(self, platform: str, update_id: int, now: float) -> None:
        await self._marks.submit((platform, update_id, now))

    async def failed(self, platform: str, update_id: int, retry_at: float | None = None) -> int:
        """Count a failed attempt and give up the claim; the row is not claimed again before
        `retry_at` (its backoff). Returns the failures so far."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "UPDATE inbox SET failures = failures + 1, claimed_by = NULL, claimed_until = ? "
                "WHERE platform = ? AND update_id = ? RETURNING failures", (retry_at, platform, update_id))
        return rows[0][0] if rows else 0

    async def park(self, platform: str, update_id: int, now: float) -> None:
        """Tried too often: kept, never tried again (nor purged), for the operator to look at."""
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE inbox SET parked_at = ?, claimed_by = NULL, claimed_until = NULL "
                               "WHERE platform = ? AND update_id = ?", (now, platform, update_id))

    async def unhandled(self, platform: str, now: float | None = None, *, mine: str | None = None) -> list[InboxEntry]:
        """Stored and neither handled nor parked, oldest first: what a crash left behind.
        With `now`: only the rows a receiver may claim at `now` (no claim, or a lapsed one,
        or one held under its own name `mine`: a restart under the same worker id)."""
        if now is None:
            free, params = "", (platform,)
        else:
            free, params = " AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)", (platform, now, mine)
        rows = await self._db.fetchall(
            "SELECT update_id, payload, failures FROM inbox WHERE platform = ? AND handled_at IS NULL "
            f"AND parked_at IS NULL{free} ORDER BY update_id", params)
        return [InboxEntry(row["update_id"], row["payload"], row["failures"]) for row in rows]

    async def near(self, platform: str, update_id: int, span: int, contains: str) -> list[InboxEntry]:
        """Rows within `span` ids of `update_id`, handled or not, whose payload contains the text
        `contains`: the other updates of one event Telegram splits over several (an album's
        pictures, adapters.telegram.albums), which arrive together and so get ids close together."""
        pattern = "%" + contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self._db.fetchall(
            "SELECT update_id, payload, failures FROM inbox WHERE platform = ? AND update_id BETWEEN ? AND ? "
            "AND payload LIKE ? ESCAPE '\\' ORDER BY update_id",
            (platform, update_id - span, update_id + span, pattern))
        return [InboxEntry(row["update_id"], row["payload"], row["failures"]) for row in rows]

    async def parked(self, platform: str) -> list[InboxEntry]:
        rows = await self._db.fetchall(
            "SELECT update_id, payload, failures FROM inbox WHERE platform = ? AND parked_at IS NOT NULL "
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
