"""What each chat's own admins set for their chat (bot.chats), on SQLite or PostgreSQL.

One row per chat; a chat without one follows the operator's settings alone. Every change is
one column, written in the transaction of its audit row, which names who made it and is keyed
on the platform event that asked for it: the same event handled twice changes nothing twice.
A chat's row is read on every request there, so it is reused for a moment (another process's
change applies within CACHE_SECONDS; this process's own at once).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.store.database import Database

__all__ = ["ChatSettings", "ChatSettingsStore", "ChatUsage", "FIELDS"]

CACHE_SECONDS = 2.0
CACHED_CHATS = 4096


@dataclass(frozen=True)
class ChatSettings:
    daily_credits: int | None = None  # the chat's budget a day; None: the operator's
    member_daily: int | None = None  # each member's credits a day there; None: the operator's
    commands: frozenset[str] | None = None  # the commands on there ("video", "image", …); None: all
    models: tuple[str, ...] = ()  # model name patterns allowed there; empty: all
    progress: bool = True  # whether progress updates are shown there


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
        self._cache: OrderedDict[str, tuple[float, ChatSettings]] = OrderedDict()

    async def get(self, chat_key: str | None) -> ChatSettings:
        if chat_key is None:
            return ChatSettings()
        now = self._clock()
        cached = self._cache.get(chat_key)
        if cached is not None and 0 <= now - cached[0] < CACHE_SECONDS:
            return cached[1]
        row = await self._db.fetchone(
            "SELECT daily_credits, member_daily, commands, models, progress FROM chat_settings WHERE chat_key = ?",
            (chat_key,))
        settings = ChatSettings() if row is None else ChatSettings(
            row["daily_credits"], row["member_daily"],
            None if row["commands"] is None else frozenset(filter(None, row["commands"].split(","))),
            tuple(filter(None, row["models"].split(","))), bool(row["progress"]))
        self._cache[chat_key] = (now, settings)
        self._cache.move_to_end(chat_key)
        while len(self._cache) > CACHED_CHATS:
            self._cache.popitem(last=False)
        return settings

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
        self._cache.pop(chat_key, None)
        return True

    async def usage(self, chat_key: str, today: str, week_start: str) -> ChatUsage:
        platform, _, chat_id = chat_key.partition(":")
        spent = {r["day"]: r["spent"] for r in await self._db.fetchall(
            "SELECT day, spent FROM usage WHERE scope = ? AND day >= ?", (f"chat:{chat_key}", week_start))}
        jobs = {r["quota_day"]: r["n"] for r in await self._db.fetchall(
            "SELECT quota_day, COUNT(*) AS n FROM jobs WHERE platform = ? AND chat_id = ? AND quota_day >= ? "
            "AND state = 'delivered' GROUP BY quota_day", (platform, chat_id, week_start))}
        return ChatUsage(max(0, spent.get(today, 0)), max(0, sum(spent.values())), jobs.get(today, 0),
                         sum(jobs.values()))
