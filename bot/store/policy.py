"""What operators decide, on disk: bans, limits, the pause, grants, and the audit trail.

The bot reads it on every request, so it keeps a snapshot in memory and reloads it only when
the database changed under it: SQLite's `data_version` moves when another connection (say
`reelbot admin` in another process) commits, and this process's own changes reload it at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import aiosqlite

from bot.store import ledger
from bot.store.database import Database

__all__ = ["PolicyStore", "Snapshot", "Limit", "Pause"]

GRANT = "grant"
POSTGRES_SNAPSHOT_SECONDS = 1.0
REVERSAL = "reversal"  # a delivered job's credits given back by an admin


@dataclass(frozen=True)
class Limit:
    daily_credits: int
    max_in_flight: int | None = None


@dataclass(frozen=True)
class Pause:
    cause: str  # "admin", or what paused it by itself: "auth", "balance"
    reason: str
    actor: str
    at: float


@dataclass(frozen=True)
class Snapshot:
    bans: dict[str, str] = field(default_factory=dict)  # user_key -> reason
    limits: dict[str, Limit] = field(default_factory=dict)  # "user:…", "chat:…", "tier:…"
    pause: Pause | None = None
    granted: dict[str, int] = field(default_factory=dict)  # user_key -> credits granted for `day`
    day: str = ""
    models_off: frozenset[str] = frozenset()  # lower-case names switched off (bot.catalog.switches)


class PolicyStore:
    def __init__(self, db: Database):
        self._db = db
        self._snapshot: Snapshot | None = None
        self._version: int | None = None
        self._loading: asyncio.Future[Snapshot] | None = None

    async def snapshot(self, day: str) -> Snapshot:
        # one load at a time, shared by every request that waits for it
        if self._loading is not None:
            return await asyncio.shield(self._loading)
        self._loading = asyncio.get_running_loop().create_future()
        try:
            snapshot = await self._current(day)
            self._loading.set_result(snapshot)
            return snapshot
        except BaseException as exc:
            self._loading.set_exception(exc if isinstance(exc, Exception) else RuntimeError(exc))
            self._loading.exception()  # retrieved: nobody else may be waiting
            raise
        finally:
            self._loading = None

    async def _current(self, day: str) -> Snapshot:
        async with self._db.connection() as conn:
            version = await _version(conn)
            if self._snapshot is not None and version == self._version and self._snapshot.day == day:
                return self._snapshot
            bans = {r[0]: r[1] for r in await conn.execute_fetchall("SELECT user_key, reason FROM bans")}
            limits = {r[0]: Limit(r[1], r[2]) for r in await conn.execute_fetchall(
                "SELECT scope, daily_credits, max_in_flight FROM limits")}
            rows = await conn.execute_fetchall("SELECT cause, reason, actor, at FROM pause")
            pause = Pause(*rows[0]) if rows else None
            granted = {r[0].removeprefix("grant:"): r[1] for r in await conn.execute_fetchall(
                "SELECT scope, spent FROM usage WHERE day = ? AND scope LIKE 'grant:%'", (day,))}
            off = frozenset(r[0].lower() for r in await conn.execute_fetchall("SELECT model FROM models_off"))
        self._snapshot, self._version = Snapshot(bans, limits, pause, granted, day, off), version
        return self._snapshot

    def changed(self) -> None:
        """Our own write: the next request reloads (data_version moves only for others' writes)."""
        self._snapshot = None

    async def _write(self, audit: tuple[str, str, str, str, float], sql: str = "", params: tuple = (),
                     key: str | None = None) -> None:
        async with self._db.transaction() as conn:
            if await _audit(conn, *audit, key=key) and sql:
                await conn.execute(sql, params)
        self.changed()

    async def ban(self, actor: str, user_key: str, reason: str, now: float, *, key: str | None = None) -> None:
        await self._write((actor, "ban", user_key, reason, now),
                          "INSERT INTO bans (user_key, reason, actor, at) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (user_key) DO UPDATE SET reason = excluded.reason, actor = excluded.actor, "
                          "at = excluded.at", (user_key, reason, actor, now), key=key)

    async def unban(self, actor: str, user_key: str, now: float, *, key: str | None = None) -> None:
        await self._write((actor, "unban", user_key, "", now), "DELETE FROM bans WHERE user_key = ?", (user_key,),
                          key=key)

    async def set_limit(self, actor: str, scope: str, limit: Limit, now: float, *, key: str | None = None) -> None:
        detail = f"{limit.daily_credits}/day" + (f", {limit.max_in_flight} at a time" if limit.max_in_flight else "")
        await self._write((actor, "limit", scope, detail, now),
                          "INSERT INTO limits (scope, daily_credits, max_in_flight, actor, at) VALUES (?, ?, ?, ?, ?) "
                          "ON CONFLICT (scope) DO UPDATE SET daily_credits = excluded.daily_credits, "
                          "max_in_flight = excluded.max_in_flight, actor = excluded.actor, at = excluded.at",
                          (scope, limit.daily_credits, limit.max_in_flight, actor, now), key=key)

    async def pause(self, actor: str, cause: str, reason: str, now: float, *, key: str | None = None) -> bool:
        """Pause new jobs; False when already paused (the first cause stays)."""
        async with self._db.transaction() as conn:
            if key is not None and not await _audit(conn, actor, "pause", cause, reason, now, key=key):
                return False  # this very event paused it before
            cursor = await conn.execute("INSERT INTO pause (id, cause, reason, actor, at) VALUES (1, ?, ?, ?, ?) "
                                        "ON CONFLICT (id) DO NOTHING", (cause, reason, actor, now))
            paused = cursor.rowcount == 1
            if paused and key is None:
                await _audit(conn, actor, "pause", cause, reason, now)
        self.changed()
        return paused

    async def resume(self, actor: str, now: float, *, only_cause: str | None = None, key: str | None = None) -> bool:
        """Lift the pause (only one of `only_cause`, when given); False when there was none."""
        async with self._db.transaction() as conn:
            if key is not None and not await _audit(conn, actor, "resume", only_cause or "", "", now, key=key):
                return False  # this very event lifted it before
            sql, params = "DELETE FROM pause", ()
            if only_cause:
                sql, params = "DELETE FROM pause WHERE cause = ?", (only_cause,)
            lifted = (await conn.execute(sql, params)).rowcount == 1
            if lifted and key is None:
                await _audit(conn, actor, "resume", only_cause or "", "", now)
        self.changed()
        return lifted

    async def switch_model(self, actor: str, model: str, on: bool, now: float, *, key: str | None = None) -> bool:
        """Switch `model` off for new requests, or on again; False when it already was (or
        this very `key` switched it before): nothing changes then."""
        action = "model on" if on else "model off"
        async with self._db.transaction() as conn:
            if key is not None and not await _audit(conn, actor, action, model, "", now, key=key):
                return False
            if on:
                cursor = await conn.execute("DELETE FROM models_off WHERE lower(model) = lower(?)", (model,))
            else:
                cursor = await conn.execute("INSERT INTO models_off (model, actor, at) VALUES (?, ?, ?) "
                                            "ON CONFLICT (model) DO NOTHING", (model, actor, now))
            switched = cursor.rowcount == 1
            if switched and key is None:
                await _audit(conn, actor, action, model, "", now)
        self.changed()
        return switched

    async def models_off(self) -> dict[str, tuple[str, float]]:
        """Each model switched off: who switched it and when."""
        return {r["model"]: (r["actor"], r["at"]) for r in await self._db.fetchall(
            "SELECT model, actor, at FROM models_off ORDER BY model")}

    async def grant(self, actor: str, user_key: str, credits: int, reason: str, day: str, now: float, *,
                    key: str | None = None) -> bool:
        """Grant once per `key`; False when this key granted before (nothing changes)."""
        async with self._db.transaction() as conn:
            if not await _audit(conn, actor, "grant", user_key, f"{credits} credits {reason}".strip(), now, key=key):
                return False
            await ledger.apply(conn, ledger.Money([(None, user_key, None, GRANT, credits, now)],
                                                  Counter({(f"grant:{user_key}", day): credits})))
        self.changed()
        return True

    async def reverse(self, actor: str, job_id: str, now: float, *, key: str | None = None) -> int | None:
        """Give a delivered job's credits back to its member (once); the credits, or None."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT user_key, CASE WHEN chat_id IS NOT NULL THEN platform || ':' || chat_id END, price, "
                "quota_day, from_wallet FROM jobs WHERE id = ? AND state = 'delivered' "
                "AND NOT EXISTS (SELECT 1 FROM ledger WHERE job_id = ? AND entry = ?)", (job_id, job_id, REVERSAL))
            if not rows:
                return None
            user_key, chat_key, cost, day, from_wallet = rows[0]
            if not await _audit(conn, actor, "refund", job_id, f"{cost} credits back to {user_key}", now, key=key):
                return None
            # the day's share goes back to the day, the purchased share to the wallet
            scopes = {(f"user:{user_key}", day): -(cost - from_wallet)}
            if chat_key:
                scopes[(f"chat:{chat_key}", day)] = -cost
            money = ledger.Money([(job_id, user_key, chat_key, REVERSAL, cost, now)], Counter(scopes))
            if from_wallet:
                money.rows.append((job_id, user_key, chat_key, ledger.WALLET_REFUND, from_wallet, now))
                money.wallets[user_key] += from_wallet
            await ledger.apply(conn, money)
        self.changed()
        return cost

    async def alert_due(self, cause: str, now: float, every: float) -> bool:
        """Claim the right to send an alert for `cause`: at most one per `every` seconds."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO alerts (cause, sent_at) VALUES (?, ?) ON CONFLICT (cause) DO UPDATE "
                "SET sent_at = excluded.sent_at WHERE alerts.sent_at <= ?", (cause, now, now - every))
            return cursor.rowcount == 1

    async def audit_log(self, limit: int = 10) -> list[tuple[float, str, str, str, str]]:
        rows = await self._db.fetchall("SELECT at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?",
                                       (limit,))
        return [tuple(r) for r in rows]


async def _audit(conn: aiosqlite.Connection, actor: str, action: str, target: str, detail: str, at: float, *,
                 key: str | None = None) -> bool:
    """The admin's action, in the transaction that carries it out, keyed on the event that
    asked for it: False when that event was carried out before, and the caller must then
    change nothing (an update handled again after its answer failed)."""
    cursor = await conn.execute("INSERT INTO audit (actor, action, target, detail, at, event_key) "
                                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                (actor, action, target, detail, at, key))
    return cursor.rowcount == 1


async def _version(conn) -> object:
    """What changes when another process may have changed the policy. SQLite counts other
    connections' commits (data_version); PostgreSQL has no such counter, so there a snapshot
    is reused for at most a second: another worker's ban or pause applies within it."""
    if getattr(conn, "dialect", "sqlite") == "postgres":
        return int(time.monotonic() / POSTGRES_SNAPSHOT_SECONDS)
    [(version,)] = await conn.execute_fetchall("PRAGMA data_version")
    return version
