"""Final status texts that are promised but not yet shown, kept across a crash.

A platform's status message ends with a last text: done, failed with the reason, or
cancelled. Telegram shows it with an edit after the result is posted, and that edit may
have to wait out an outage or flood control for hours. If the process dies meanwhile, the
member would be left looking at "⏳ Processing…" above their delivered video. So the
adapter writes the text here before it starts trying, and deletes it once shown (or once
the message can never show it); a starting adapter shows whatever is left.

Keyed by the platform's own chat and message ids, like `posts`: the core only keeps them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.store.database import Database

__all__ = ["PendingStatus", "PendingStatuses"]


@dataclass(frozen=True)
class PendingStatus:
    chat_id: str
    message_id: str
    text: str
    until: float  # wall-clock time after which it is no longer worth trying


class PendingStatuses:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self._db, self._clock = db, clock

    def now(self) -> float:
        return self._clock()

    async def promise(self, platform: str, chat_id: str, message_id: str, text: str, until: float) -> None:
        """The message is to show `text` in the end; a newer final text replaces an older one."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO pending_statuses (platform, chat_id, message_id, text, until) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, chat_id, message_id) DO UPDATE SET text = excluded.text, until = excluded.until",
                (platform, chat_id, message_id, text, until))

    async def settled(self, platform: str, chat_id: str, message_id: str, text: str) -> None:
        """`text` is shown (or never can be): forget it, unless a newer text took its place."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM pending_statuses WHERE platform = ? AND chat_id = ? AND message_id = ? AND text = ?",
                (platform, chat_id, message_id, text))

    async def pending(self, platform: str) -> list[PendingStatus]:
        """What is still to be shown on `platform`; rows past their time are dropped."""
        now = self._clock()
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM pending_statuses WHERE until < ?", (now,))
        rows = await self._db.fetchall(
            "SELECT chat_id, message_id, text, until FROM pending_statuses WHERE platform = ? ORDER BY until",
            (platform,))
        return [PendingStatus(r["chat_id"], r["message_id"], r["text"], r["until"]) for r in rows]
