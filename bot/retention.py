"""Keeps the database to what it needs: the money record forever, members' data only as long
as it serves them. In small batches, each its own short transaction, so the bot never waits
on it; space is reused by SQLite, no VACUUM.

- A Discord interaction token (it can post as the bot) is blanked once it has expired
  (15 minutes after the command) and its job has ended (a running job checks the expiry
  itself before it uses one).
- A finished job's input image is deleted a day after the job ended: until then its "again"
  button can run the same request.
- After REELBOT_KEEP_DAYS (30) a finished job keeps only what the ledger and the reports
  need (who, what model, what it cost, when, how it ended): its prompt, options,
  destination and result link are cleared, and so is the record of which message showed
  its result (a reply to it can no longer re-run it).
- Handled inbox rows (Telegram updates) are deleted a day after handling.

The ledger, usage, payments, audit and the jobs' rows themselves are never deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.background import Background
from bot.store.database import Database
from bot.store.inbox import Inbox

__all__ = ["Retention", "IMAGE_KEEP"]

log = logging.getLogger(__name__)

IMAGE_KEEP = 24 * 3600.0  # seconds a finished job's input image is kept (its "again" button)
_BATCH = 500
_FINISHED = "state IN ('delivered', 'failed') AND notified = 1"
# the destination is JSON text; each engine has its own JSON functions
_EXPIRED_TOKENS = {
    "sqlite": "UPDATE jobs SET destination = json_set(destination, '$.token', '') WHERE id IN "
              f"(SELECT id FROM jobs WHERE {_FINISHED} AND json_extract(destination, '$.expires_at') < ? "
              "AND json_extract(destination, '$.token') != '' LIMIT ?)",
    "postgres": "UPDATE jobs SET destination = jsonb_set(destination::jsonb, '{token}', '\"\"')::text WHERE id IN "
                f"(SELECT id FROM jobs WHERE {_FINISHED} AND (destination::jsonb ->> 'expires_at')::float8 < ? "
                "AND destination::jsonb ->> 'token' != '' LIMIT ?)",
}


class Retention:
    def __init__(self, db: Database, keep_days: int, *, inbox: Inbox | None = None,
                 clock: Callable[[], float] = time.time, every: float = 600.0):
        self._db, self._keep, self._inbox, self._clock, self._every = db, keep_days, inbox, clock, every
        self._sweeper = Background("retention", self._run)

    def start(self) -> None:
        self._sweeper.start()

    async def stop(self) -> None:
        await self._sweeper.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a busy or full disk: try again next round
                log.exception("retention sweep failed")
            await asyncio.sleep(self._every)

    async def sweep(self) -> dict[str, int]:
        """One pass; how many rows each rule changed."""
        now = self._clock()
        done = {
            "tokens": await self._batches(_EXPIRED_TOKENS[self._db.dialect], now),
            "images": await self._batches(
                f"DELETE FROM job_images WHERE job_id IN (SELECT id FROM jobs WHERE {_FINISHED} "
                "AND finished_at < ? AND id IN (SELECT job_id FROM job_images) LIMIT ?)", now - IMAGE_KEEP),
            "inputs": await self._batches(
                f"DELETE FROM job_inputs WHERE job_id IN (SELECT id FROM jobs WHERE {_FINISHED} "
                "AND finished_at < ? AND id IN (SELECT job_id FROM job_inputs) LIMIT ?)", now - IMAGE_KEEP),
            "prompts": await self._batches(
                f"UPDATE jobs SET prompt = '', options = '{{}}', destination = '{{}}', result_url = NULL, result_urls = NULL "
                f"WHERE id IN (SELECT id FROM jobs WHERE {_FINISHED} AND finished_at < ? "
                "AND (prompt != '' OR destination != '{}') LIMIT ?)", now - self._keep * 86400.0)
            if self._keep > 0 else 0,
            "posts": await self._batches(
                "DELETE FROM posts WHERE (platform, chat_id, message_id) IN "
                "(SELECT platform, chat_id, message_id FROM posts WHERE at < ? LIMIT ?)", now - self._keep * 86400.0)
            if self._keep > 0 else 0,
        }
        if self._inbox is not None:
            done["inbox"] = await self._inbox.purge(now)
        if any(done.values()):
            log.info("retention: %s", ", ".join(f"{n} {what}" for what, n in done.items() if n))
        return done

    async def _batches(self, sql: str, before: float) -> int:
        total = 0
        while True:
            async with self._db.transaction() as conn:
                changed = (await conn.execute(sql, (before, _BATCH))).rowcount
            total += changed
            if changed < _BATCH:
                return total
            await asyncio.sleep(0)  # let the bot's own writes in between batches
