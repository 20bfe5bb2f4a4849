"""The web console's logins, in the database so that every process on it shares them.

A login link carries a one-time secret, good for LINK_SECONDS; opening it starts a session
whose cookie carries another secret, good until SESSION_IDLE_SECONDS without a request. Only
SHA-256 hashes of the secrets are stored: a copy of the database (a backup) opens nothing.
Redeeming is one conditional UPDATE, so a link opened twice, even by two processes at once,
starts one session.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ConsoleSessions", "Session", "LINK_SECONDS", "SESSION_IDLE_SECONDS"]

LINK_SECONDS = 10 * 60
SESSION_IDLE_SECONDS = 12 * 3600
_TOUCH_EVERY = 60.0  # a session's last-seen time is written at most once a minute, not per request


@dataclass(frozen=True)
class Session:
    actor: str  # who acts: "console:telegram:123", "console:cli:ann" (named in the audit)
    language: str
    csrf: str
    seen_at: float


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ConsoleSessions:
    def __init__(self, db, clock: Callable[[], float] = time.time):
        self._db, self._clock = db, clock

    async def issue_link(self, actor: str, language: str = "en") -> str:
        """A one-time login secret for `actor` (the admin's user key or the CLI's user)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM console_links WHERE created_at < ?", (now - LINK_SECONDS,))
            await conn.execute("INSERT INTO console_links (token_hash, actor, language, created_at) "
                               "VALUES (?, ?, ?, ?)", (_hash(token), actor, language, now))
        return token

    async def redeem(self, token: str) -> str | None:
        """A new session's secret for a link not used and not expired; None otherwise."""
        now = self._clock()
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "UPDATE console_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND created_at >= ? "
                "RETURNING actor, language", (now, _hash(token), now - LINK_SECONDS))
            if not rows:
                return None
            actor, language = rows[0]
            secret = secrets.token_urlsafe(32)
            await conn.execute("DELETE FROM console_sessions WHERE seen_at < ?", (now - SESSION_IDLE_SECONDS,))
            await conn.execute("INSERT INTO console_sessions (session_hash, actor, language, csrf, created_at, seen_at) "
                               "VALUES (?, ?, ?, ?, ?, ?)", (_hash(secret), actor, language,
                                                             secrets.token_urlsafe(24), now, now))
        return secret

    async def session(self, secret: str | None) -> Session | None:
        """The live session this cookie secret names (its idle time restarted), or None."""
        if not secret:
            return None
        now = self._clock()
        row = await self._db.fetchone("SELECT actor, language, csrf, seen_at FROM console_sessions "
                                      "WHERE session_hash = ? AND seen_at >= ?", (_hash(secret), now - SESSION_IDLE_SECONDS))
        if row is None:
            return None
        if now - row["seen_at"] > _TOUCH_EVERY:
            async with self._db.transaction() as conn:
                await conn.execute("UPDATE console_sessions SET seen_at = ? WHERE session_hash = ?", (now, _hash(secret)))
        return Session(row["actor"], row["language"], row["csrf"], now)

    async def set_language(self, secret: str, language: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE console_sessions SET language = ? WHERE session_hash = ?",
                               (language, _hash(secret)))

    async def end(self, secret: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM console_sessions WHERE session_hash = ?", (_hash(secret),))

    async def end_all(self) -> int:
        """Log every session out (and void the links not yet used); how many sessions ended."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM console_links")
            cursor = await conn.execute("DELETE FROM console_sessions")
            return cursor.rowcount

    async def live(self) -> list[tuple[str, float, float]]:
        """(actor, started, last seen) of every live session."""
        rows = await self._db.fetchall("SELECT actor, created_at, seen_at FROM console_sessions WHERE seen_at >= ? "
                                       "ORDER BY seen_at DESC", (self._clock() - SESSION_IDLE_SECONDS,))
        return [tuple(r) for r in rows]
