"""302.AI's list of unified video models as last read, in the database (SQLite or PostgreSQL):
one row, so every front and worker reads the same list, and a restart that cannot reach
302.AI still has it. The newer read wins; an older one arriving late changes nothing."""

from __future__ import annotations

import json
from typing import Any

from bot.store.database import Database

__all__ = ["VideoCatalogStore"]


class VideoCatalogStore:
    def __init__(self, db: Database):
        self._db = db

    async def load(self) -> tuple[list[dict[str, Any]], float] | None:
        """The stored list and when it was read from 302.AI (Unix time), or None before the first read."""
        row = await self._db.fetchone("SELECT models, fetched_at FROM video_catalog WHERE id = 1")
        if row is None:
            return None
        return json.loads(row["models"]), float(row["fetched_at"])

    async def save(self, models: list[dict[str, Any]], fetched_at: float) -> None:
        text = json.dumps(models, ensure_ascii=False, separators=(",", ":"))
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO video_catalog (id, models, fetched_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET models = excluded.models, fetched_at = excluded.fetched_at "
                "WHERE video_catalog.fetched_at < excluded.fetched_at", (text, fetched_at))
