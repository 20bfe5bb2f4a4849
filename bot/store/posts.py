"""Which job a posted result belongs to, for platforms where a member answers a result by
replying to its message (Telegram: a reply with text re-runs the job with that prompt).

The message ids are the platform's; a platform whose buttons carry the job id (Discord)
has no need to record anything here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.store.database import Database

__all__ = ["Posts"]


class Posts:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self._db, self._clock = db, clock  # the core's clock: retention ages the rows by it

    async def remember(self, platform: str, chat_id: str, message_id: str, job_id: str) -> None:
        """`message_id` in `chat_id` shows `job_id`'s result. A repeat (a re-posted result) is harmless."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO posts (platform, chat_id, message_id, job_id, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, chat_id, message_id) DO UPDATE SET job_id = excluded.job_id, at = excluded.at",
                (platform, chat_id, message_id, job_id, self._clock()))

    async def job_for(self, platform: str, chat_id: str, message_id: str) -> str | None:
        """The job whose result is that message, or None when it is not one of ours (or forgotten)."""
        row = await self._db.fetchone(
            "SELECT job_id FROM posts WHERE platform = ? AND chat_id = ? AND message_id = ?",
            (platform, chat_id, message_id))
        return row["job_id"] if row is not None else None
