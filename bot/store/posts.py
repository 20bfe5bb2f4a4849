"""Which job a posted result belongs to, for platforms where a member answers a result by
replying to its message (Telegram: a reply with text re-runs the job with that prompt).

The message ids are the platform's; a platform whose buttons carry the job id (Discord)
has no need to record anything here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.store.rows import Rows, write_rows

__all__ = ["Posts"]

_POSTS = Rows("INSERT INTO posts (platform, chat_id, message_id, job_id, at) VALUES", "(?, ?, ?, ?, ?)",
              " ON CONFLICT (platform, chat_id, message_id) DO UPDATE SET job_id = excluded.job_id, at = excluded.at")

_Post = tuple[str, str, str, str, float]  # platform, chat, message, job, at


class _PostWrites(GroupCommit[_Post, None]):
    """One per result delivered: at hundreds a second, a transaction each was three round
    trips to the database per result; group-committed like the inbox's marks."""

    what = "result posts"

    def __init__(self, db: Database):
        super().__init__()
        self._db = db

    async def write(self, items: list[_Post]) -> list[None]:
        # One row per message, the latest kept: PostgreSQL refuses an upsert that touches a
        # row twice in one statement, and the later post is the one the message shows.
        latest = {item[:3]: item for item in items}
        async with self._db.transaction() as conn:
            await write_rows(conn, _POSTS, list(latest.values()))
        return [None] * len(items)


class Posts:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self._db, self._clock = db, clock  # the core's clock: retention ages the rows by it
        self._writes = _PostWrites(db)

    async def remember(self, platform: str, chat_id: str, message_id: str, job_id: str) -> None:
        """`message_id` in `chat_id` shows `job_id`'s result (stored when this returns). A
        repeat (a re-posted result) is harmless."""
        await self._writes.submit((platform, chat_id, message_id, job_id, self._clock()))

    async def job_for(self, platform: str, chat_id: str, message_id: str) -> str | None:
        """The job whose result is that message, or None when it is not one of ours (or forgotten)."""
        row = await self._db.fetchone(
            "SELECT job_id FROM posts WHERE platform = ? AND chat_id = ? AND message_id = ?",
            (platform, chat_id, message_id))
        return row["job_id"] if row is not None else None
