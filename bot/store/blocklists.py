"""Each chat's (Telegram chat, Discord server) own blocked words, and the prompts the bot
refused for containing a blocked word, on SQLite or PostgreSQL (the same SQL: bot.store.dialect).

A chat's words change from an admin's command; each change leaves an audit row in the same
transaction, as the operator's other controls do (bot.store.policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.database import Database

__all__ = ["ChatWordStore", "BlockedPrompts", "BlockedAttempt", "MAX_CHAT_WORDS"]

MAX_CHAT_WORDS = 500  # per chat: a list, not a database of its own


@dataclass(frozen=True)
class BlockedAttempt:
    at: float
    scope: str  # "operator" or "chat": whose list had the entry
    user_key: str
    user_name: str
    chat_key: str | None
    command: str
    prompt: str
    entry: str  # what matched: for the operator's eyes only, never shown to the member


class ChatWordStore:
    def __init__(self, db: Database):
        self._db = db

    async def words(self, chat_key: str) -> list[str]:
        rows = await self._db.fetchall("SELECT entry FROM chat_words WHERE chat_key = ? ORDER BY entry", (chat_key,))
        return [r["entry"] for r in rows]

    async def chats_with_words(self) -> frozenset[str]:
        rows = await self._db.fetchall("SELECT DISTINCT chat_key FROM chat_words")
        return frozenset(r["chat_key"] for r in rows)

    async def add(self, actor: str, chat_key: str, entries: Sequence[str], now: float, *,
                  key: str | None = None) -> list[str]:
        """The entries that were not there yet (and now are). Raises ValueError past the limit.
        With `key` (the event that asked), an event handled again adds nothing."""
        async with self._db.transaction() as conn:
            if key is not None and not await _keyed(conn, actor, "words add", chat_key, entries, now, key):
                return []
            [(count,)] = await conn.execute_fetchall("SELECT COUNT(*) FROM chat_words WHERE chat_key = ?", (chat_key,))
            added = []
            for entry in dict.fromkeys(entries):
                if count + len(added) >= MAX_CHAT_WORDS:
                    raise ValueError(f"a chat may have at most {MAX_CHAT_WORDS} blocked words")
                cursor = await conn.execute(
                    "INSERT INTO chat_words (chat_key, entry, actor, at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (chat_key, entry) DO NOTHING", (chat_key, entry, actor, now))
                if cursor.rowcount == 1:
                    added.append(entry)
            if added and key is None:
                await _audit(conn, actor, "words add", chat_key, ", ".join(added), now)
        return added

    async def remove(self, actor: str, chat_key: str, entries: Sequence[str], now: float, *,
                     key: str | None = None) -> list[str]:
        async with self._db.transaction() as conn:
            if key is not None and not await _keyed(conn, actor, "words remove", chat_key, entries, now, key):
                return []
            removed = []
            for entry in dict.fromkeys(entries):
                cursor = await conn.execute("DELETE FROM chat_words WHERE chat_key = ? AND entry = ?",
                                            (chat_key, entry))
                if cursor.rowcount == 1:
                    removed.append(entry)
            if removed and key is None:
                await _audit(conn, actor, "words remove", chat_key, ", ".join(removed), now)
        return removed


class BlockedPrompts:
    def __init__(self, db: Database):
        self._db = db

    async def record(self, attempt: BlockedAttempt, event_key: str | None, *, forget_before: float = 0.0) -> bool:
        """False when this event was recorded already (a platform event handled twice).
        Attempts older than `forget_before` go: prompts are kept no longer than jobs' are."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM blocked_prompts WHERE at < ?", (forget_before,))
            cursor = await conn.execute(
                "INSERT INTO blocked_prompts (event_key, at, scope, user_key, user_name, chat_key, command, prompt, "
                "entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING",
                (event_key, attempt.at, attempt.scope, attempt.user_key, attempt.user_name, attempt.chat_key,
                 attempt.command, attempt.prompt, attempt.entry))
            return cursor.rowcount == 1

    async def recent(self, limit: int = 20) -> list[BlockedAttempt]:
        rows = await self._db.fetchall(
            "SELECT at, scope, user_key, user_name, chat_key, command, prompt, entry FROM blocked_prompts "
            "ORDER BY at DESC, id DESC LIMIT ?", (limit,))
        return [BlockedAttempt(*tuple(r)) for r in rows]


async def _audit(conn, actor: str, action: str, target: str, detail: str, at: float) -> None:
    await conn.execute("INSERT INTO audit (actor, action, target, detail, at) VALUES (?, ?, ?, ?, ?)",
                       (actor, action, target, detail, at))


async def _keyed(conn, actor: str, action: str, target: str, entries: Sequence[str], at: float, key: str) -> bool:
    """The audit row of a keyed change, first: False when that event made its change before."""
    cursor = await conn.execute("INSERT INTO audit (actor, action, target, detail, at, event_key) "
                                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                (actor, action, target, ", ".join(dict.fromkeys(entries)), at, key))
    return cursor.rowcount == 1
