"""What each chat's own admins set for their chat (bot.chats), on SQLite or PostgreSQL.

One row per chat; a chat without one follows the operator's settings alone. Every change is
one column, written in the transaction of its audit row, which names who made it and is keyed
on the platform event that asked for it: the same event handled twice changes nothing twice.
Every request in a group reads its chat's settings, so the whole table (a row per chat whose
admins changed something: small) is read at once and reused for CACHE_SECONDS, by one query
that every request arriving meanwhile shares: a burst in many chats reads it once, not once a
request (another process's change applies within CACHE_SECONDS; this process's own at once).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.store.database import Database

__all__ = ["ChatSettings", "ChatSettingsStore", "ChatUsage", "FIELDS"]

CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class ChatSettings:
    daily_credits: int | None = None  # the chat's budget a day; None: the operator's
    member_daily: int | None = None  # each member's credits a day there; None: the operator's
    commands: frozenset[str] | None = None  # the commands on there ("video", "image", …); None: all
    models: tuple[str, ...] = ()  # model name patterns allowed there; empty: all
    progress: bool = True  # whether progress updates are shown there


_NONE_SET = ChatSettings()  # a chat whose admins changed nothing


def _settings(row) -> ChatSettings:
    return ChatSettings(row["daily_credits"], row["member_daily"],
                        None if row["commands"] is None else frozenset(filter(None, row["commands"].split(","))),
                        tuple(filter(None, row["models"].split(","))), bool(row["progress"]))


# the one column each setting is kept in, and how it is written down
FIELDS = {
    "daily_credits": lambda v: v,
    "member_daily": lambda v: v,
    "commands": lambda v: None if v is None else ",".join(sorted(v)),
    "models": lambda v: ",".join(v),
    "progress": lambda v: 1 if v else 0,
}


@dataclass(frozen=True)
class ChatUsage:
    credits_today: int  # reserved or spent today, as the chat's budget counts it
    credits_week: int  # the last 7 quota days, today included
    jobs_today: int  # delivered
    jobs_week: int


class ChatSettingsStore:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.monotonic):
        self._db, self._clock = db, clock
        self._table: tuple[float, dict[str, ChatSettings]] | None = None  # (read at, chat -> settings)
        self._reading: asyncio.Future[dict[str, ChatSettings]] | None = None

    async def get(self, chat_key: str | None) -> ChatSettings:
        if chat_key is None:
            return _NONE_SET
        table = self._table
        if table is None or not 0 <= self._clock() - table[0] < CACHE_SECONDS:
            return (await self._read()).get(chat_key, _NONE_SET)
        return table[1].get(chat_key, _NONE_SET)

    async def _read(self) -> dict[str, ChatSettings]:
        if self._reading is not None:
            return await asyncio.shield(self._reading)
        self._reading = reading = asyncio.get_running_loop().create_future()
        try:
            read_at = self._clock()
            rows = await self._db.fetchall(
                "SELECT chat_key, daily_credits, member_daily, commands, models, progress FROM chat_settings")
            table = {row["chat_key"]: _settings(row) for row in rows}
            self._table = (read_at, table)
            reading.set_result(table)
            return table
        except BaseException as exc:
            reading.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
            reading.exception()  # retrieved: nobody else may be waiting
            raise
        finally:
            self._reading = None

    async def change(self, actor: str, chat_key: str, name: str, value: object, detail: str, now: float, *,
                     key: str | None = None) -> bool:
        """Set one setting of one chat; False when this event changed it before (nothing changes)."""
        column = FIELDS[name]  # a KeyError for anything but the columns above: never SQL from outside
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO audit (actor, action, target, detail, at, event_key) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING", (actor, f"chat {name}", chat_key, detail, now, key))
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                f"INSERT INTO chat_settings (chat_key, {name}, actor, at) VALUES (?, ?, ?, ?) "
                f"ON CONFLICT (chat_key) DO UPDATE SET {name} = excluded.{name}, actor = excluded.actor, "
                "at = excluded.at", (chat_key, column(value), actor, now))
        self._table = None  # our own change: the next request reads it
        return True

    async def changed_by(self, chat_key: str) -> tuple[str, float] | None:
        """Who last changed the chat's settings, and when; None: nobody ever did."""
        row = await self._db.fetchone("SELECT actor, at FROM chat_settings WHERE chat_key = ?", (chat_key,))
        return None if row is None else (row["actor"], row["at"])

    async def reset(self, actor: str, chat_key: str, now: float, *, key: str | None = None) -> tuple[bool, int] | None:
        """Clear everything the chat's admins set: its settings and its own blocked words, in
        the transaction of one audit row. Returns (settings cleared, words removed); None when
        the event `key` was carried out before; (False, 0), writing nothing, when there was
        nothing to clear."""
        async with self._db.transaction() as conn:
            [(settings,)] = await conn.execute_fetchall("SELECT COUNT(*) FROM chat_settings WHERE chat_key = ?",
                                                        (chat_key,))
            [(words,)] = await conn.execute_fetchall("SELECT COUNT(*) FROM chat_words WHERE chat_key = ?",
                                                     (chat_key,))
            if not settings and not words:
                return False, 0
            detail = f"settings {'cleared' if settings else 'none'}, {words} blocked words removed"
            cursor = await conn.execute(
                "INSERT INTO audit (actor, action, target, detail, at, event_key) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING", (actor, "chat reset", chat_key, detail, now, key))
            if cursor.rowcount != 1:
                return None
            await conn.execute("DELETE FROM chat_settings WHERE chat_key = ?", (chat_key,))
            await conn.execute("DELETE FROM chat_words WHERE chat_key = ?", (chat_key,))
        self._table = None  # our own change: the next request reads it
        return bool(settings), words

    async def usage(self, chat_key: str, today: str, week_start: str) -> ChatUsage:
        platform, _, chat_id = chat_key.partition(":")
        spent = {r["day"]: r["spent"] for r in await self._db.fetchall(
            "SELECT day, spent FROM usage WHERE scope = ? AND day >= ?", (f"chat:{chat_key}", week_start))}
        jobs = {r["quota_day"]: r["n"] for r in await self._db.fetchall(
            "SELECT quota_day, COUNT(*) AS n FROM jobs WHERE platform = ? AND chat_id = ? AND quota_day >= ? "
            "AND state = 'delivered' GROUP BY quota_day", (platform, chat_id, week_start))}
        return ChatUsage(max(0, spent.get(today, 0)), max(0, sum(spent.values())), jobs.get(today, 0),
                         sum(jobs.values()))
