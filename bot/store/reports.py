"""What the operator's console shows, read from the store: each function is one page's
queries, bounded (a day range, a LIMIT) so that a page costs the same on a database of a
million jobs as on a small one (bench/console_bench.py; the indexes are schema entry 14).
Sums of money come from the `usage` counters and the ledger, never from every job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.job import CANCELLED
from bot.quota import quota_day

__all__ = ["Overview", "overview", "week", "jobs", "job", "chat_titles", "members", "member", "audit", "payments", "chats", "JOB_FILTERS",
           "PAGE"]

PAGE = 50
HOUR = 3600
DAY = 86400
IN_FLIGHT = ("queued", "submitting", "running", "ready")
JOB_FILTERS = ("state", "model", "platform", "member", "chat", "date")


@dataclass(frozen=True)
class Overview:
    today_mptc: int
    ceiling_mptc: int
    spend_by_day: list[tuple[str, int]]  # 30 days, oldest first, every day present
    jobs_by_hour: list[tuple[str, int, int, int]]  # 7 × 24 hours: (hour UTC, delivered, refunded, cancelled)
    models: list[dict]  # model, jobs, delivered, rate, p50, p90 (seconds), last 7 days
    now_by_state: dict[str, int]
    pause: dict | None
    unconfirmed: list[dict]  # job, model, at
    alerts: list[dict]  # cause, sent_at: the last alert sent to the admins for each cause


async def week(db, now: float) -> tuple[list[tuple[str, int, int, int]], list[dict]]:
    """The overview's costly part, over the last 7 days of finished jobs: jobs per hour by
    outcome (delivered, refunded, cancelled), and per model. The console keeps it a minute
    (adapters/web/app.py). Two reads of indexes, no row of `jobs` itself: the outcomes from
    the covering jobs_by_finish, the cancelled among the failed from their own partial index
    jobs_cancelled (a cancelled job is a failed one whose failure is CANCELLED)."""
    first_hour = int(now // HOUR) * HOUR - 167 * HOUR
    hourly: dict[int, list[int]] = {first_hour + i * HOUR: [0, 0, 0] for i in range(168)}
    # SQLite's CAST truncates; PostgreSQL's would round, hence FLOOR there (SQLite may lack it)
    hour = "FLOOR(finished_at / 3600)" if getattr(db, "dialect", "sqlite") == "postgres" else \
        "CAST(finished_at / 3600 AS INTEGER)"
    for r in await db.fetchall(
            f"SELECT {hour} AS h, state, COUNT(*) AS n FROM jobs "
            "WHERE finished_at >= ? AND state IN ('delivered', 'failed') GROUP BY 1, 2", (first_hour,)):
        slot = hourly.get(int(r["h"]) * HOUR)
        if slot is not None:
            slot[0 if r["state"] == "delivered" else 1] += r["n"]
    for r in await db.fetchall(
            f"SELECT {hour} AS h, COUNT(*) AS n FROM jobs WHERE failure = ? AND finished_at >= ? GROUP BY 1",
            (CANCELLED, first_hour)):
        slot = hourly.get(int(r["h"]) * HOUR)
        if slot is not None:  # counted among the failed above: moved from refunded to cancelled
            moved = min(r["n"], slot[1])
            slot[1] -= moved
            slot[2] += moved
    by_hour = [(datetime.fromtimestamp(h, UTC).strftime("%m-%d %H:00"), d, f, c) for h, (d, f, c) in hourly.items()]
    return by_hour, await _models(db, now - 7 * DAY)


async def overview(db, now: float, ceiling_mptc: int, summary=None) -> Overview:
    """Today's money, what runs now, the pause and the unconfirmed calls, read every time;
    `summary`: what week() gave a moment ago, or None to read it now."""
    days = [quota_day(now - (29 - i) * DAY) for i in range(30)]
    spent = {r["day"]: r["spent"] for r in await db.fetchall(
        "SELECT day, spent FROM usage WHERE scope = 'spend' AND day >= ?", (days[0],))}
    by_hour, models = await week(db, now) if summary is None else summary
    states = {r["state"]: r["n"] for r in await db.fetchall(
        "SELECT state, COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'submitting', 'running', 'ready') "
        "GROUP BY state")}
    pause = await db.fetchone("SELECT cause, reason, actor, at FROM pause")
    unconfirmed = [dict(r) for r in await db.fetchall(
        "SELECT l.job_id AS job, j.model AS model, l.at AS at FROM ledger l JOIN jobs j ON j.id = l.job_id "
        "WHERE l.entry = 'spend_unconfirmed' ORDER BY l.id DESC LIMIT 50")]
    alerts = [dict(r) for r in await db.fetchall("SELECT cause, sent_at FROM alerts ORDER BY sent_at DESC LIMIT 20")]
    return Overview(spent.get(days[-1], 0), ceiling_mptc, [(d, spent.get(d, 0)) for d in days], by_hour, models,
                    {s: states.get(s, 0) for s in IN_FLIGHT}, dict(pause) if pause else None, unconfirmed, alerts)


async def _models(db, since: float) -> list[dict]:
    """Each model's jobs finished since `since`, its success rate and p50/p90 time to a
    delivered result: one read of the covering index jobs_by_finish, counted here (SQLite's
    window functions took three times as long on a million jobs: bench/console_bench.py)."""
    seen: dict[str, list] = {}
    for model, state, took in await db.fetchall(
            "SELECT model, state, finished_at - created_at FROM jobs WHERE finished_at >= ?", (since,)):
        counts = seen.setdefault(model, [0, []])
        counts[0] += 1
        if state == "delivered":
            counts[1].append(took)
    models = []
    for model, (n, times) in sorted(seen.items(), key=lambda item: -item[1][0])[:30]:
        times.sort()
        models.append({"model": model, "jobs": n, "delivered": len(times), "rate": round(100 * len(times) / n),
                       "p50": round(float(times[len(times) // 2]), 1) if times else None,
                       "p90": round(float(times[len(times) * 9 // 10]), 1) if times else None})
    return models


async def jobs(db, filters: dict[str, str], before: float | None = None) -> list[dict]:
    """The newest jobs matching the filters (exact values; `member` a user key, `chat` a chat
    id, `platform:id` or a chat's title, `date` YYYY-MM-DD in UTC), PAGE at a time, older than
    `before`; each with its chat's title (or None)."""
    where, params = [], []
    for column in ("state", "model", "platform"):
        if filters.get(column):
            where.append(f"{column} = ?")
            params.append(filters[column])
    if filters.get("state") and filters["state"] != "delivered":
        where.append("state != 'delivered'")  # lets SQLite take the partial index jobs_by_state
    if filters.get("member"):
        where.append("user_key = ?")
        params.append(filters["member"])
    if filters.get("chat"):
        bare, keys = await _chats_named(db, filters["chat"])
        ids = sorted({k.split(":", 1)[1] for k in keys} | ({bare} if bare else set()))
        # `chat_id IN` lets SQLite take the index jobs_by_chat; the OR keeps each id to its platform
        terms = (["chat_id = ?"] if bare else []) + ["platform || ':' || chat_id = ?"] * len(keys)
        where.append(f"chat_id IN ({', '.join('?' * len(ids))}) AND ({' OR '.join(terms)})")
        params += [*ids, *([bare] if bare else []), *keys]
    if filters.get("date"):
        start = datetime.strptime(filters["date"], "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
        where.append("created_at >= ? AND created_at < ?")
        params += [start, start + DAY]
    if before is not None:
        where.append("created_at < ?")
        params.append(before)
    sql = ("SELECT id, user_key, user_name, platform, chat_id, model, prompt, price, cost_mptc, state, created_at, "
           "t.title AS chat_title FROM jobs LEFT JOIN chat_titles t ON t.chat_key = platform || ':' || chat_id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY created_at DESC LIMIT ?")
    return [dict(r) for r in await db.fetchall(sql, (*params, PAGE))]


async def _chats_named(db, text: str) -> tuple[str | None, list[str]]:
    """What the operator wrote in the chat filter: a chat id of any platform (None when it
    named a platform), and the `platform:id` keys it names, itself or as their title (any case)."""
    text = text.strip()
    platform, _, chat_id = text.partition(":")
    if chat_id and platform.isalpha():
        return None, [text]
    rows = await db.fetchall("SELECT chat_key FROM chat_titles WHERE lower(title) = lower(?) LIMIT 20", (text,))
    return text, [r["chat_key"] for r in rows]


async def chat_titles(db, limit: int = 200) -> list[dict]:
    """The chats' titles last seen, newest first (the Jobs page offers them in its chat filter)."""
    return [dict(r) for r in await db.fetchall(
        "SELECT chat_key, title FROM chat_titles ORDER BY seen_at DESC LIMIT ?", (limit,))]


async def job(db, job_id: str) -> dict | None:
    row = await db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
    if row is None:
        return None
    found = dict(row)
    title = await db.fetchone("SELECT title FROM chat_titles WHERE chat_key = ?", (f"{row['platform']}:{row['chat_id']}",))
    found["chat_title"] = title["title"] if title else ""
    found["ledger"] = [dict(r) for r in await db.fetchall(
        "SELECT id, user_key, chat_key, entry, amount, at FROM ledger WHERE job_id = ? ORDER BY id", (job_id,))]
    found["audit"] = [dict(r) for r in await db.fetchall(
        "SELECT at, actor, action, detail FROM audit WHERE target = ? ORDER BY id", (job_id,))]
    found["refunded"] = any(r["entry"] == "reversal" for r in found["ledger"])
    return found


async def members(db, query: str) -> list[dict]:
    """Members by `platform:id`, a numeric id, or the start of a name (with or without @)."""
    text = query.strip()
    if not text:
        rows = await db.fetchall("SELECT * FROM users ORDER BY last_seen DESC LIMIT ?", (PAGE,))
    elif ":" in text:
        rows = await db.fetchall("SELECT * FROM users WHERE user_key = ?", (text,))
    elif text.isdigit():
        rows = await db.fetchall("SELECT * FROM users WHERE user_id = ? LIMIT ?", (text, PAGE))
    else:
        name = text.removeprefix("@").lower()
        # a range on the lower(name) index rather than LIKE, which would read every member
        rows = await db.fetchall("SELECT * FROM users WHERE lower(name) >= ? AND lower(name) < ? "
                                 "ORDER BY lower(name) LIMIT ?", (name, name + "\uffff", PAGE))
    return [dict(r) for r in rows]


async def member(db, user_key: str, now: float) -> dict:
    found = dict(await db.fetchone("SELECT * FROM users WHERE user_key = ?", (user_key,)) or {"user_key": user_key})
    days = {n: quota_day(now - (n - 1) * DAY) for n in (1, 7, 30)}
    for n, first in days.items():
        row = await db.fetchone("SELECT COALESCE(SUM(spent), 0) AS s FROM usage WHERE scope = ? AND day >= ?",
                                (f"user:{user_key}", first))
        found[f"used_{n}d"] = row["s"]
    wallet = await db.fetchone("SELECT balance FROM wallets WHERE user_key = ?", (user_key,))
    found["wallet"] = wallet["balance"] if wallet else 0
    found["limit"] = await db.fetchone("SELECT daily_credits, max_in_flight FROM limits WHERE scope = ?",
                                       (f"user:{user_key}",))
    found["ban"] = await db.fetchone("SELECT reason, actor, at FROM bans WHERE user_key = ?", (user_key,))
    granted = await db.fetchone("SELECT spent FROM usage WHERE scope = ? AND day = ?", (f"grant:{user_key}", days[1]))
    found["granted_today"] = granted["spent"] if granted else 0
    found["jobs"] = [dict(r) for r in await db.fetchall(
        "SELECT id, model, state, price, created_at FROM jobs WHERE user_key = ? ORDER BY created_at DESC LIMIT 20",
        (user_key,))]
    return found


async def audit(db, before: int | None = None) -> list[dict]:
    sql, params = "SELECT id, at, actor, action, target, detail FROM audit", ()
    if before is not None:
        sql, params = sql + " WHERE id < ?", (before,)
    return [dict(r) for r in await db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, PAGE))]


async def payments(db, before: float | None = None) -> list[dict]:
    """Telegram Stars purchases, newest first, with their charge ids and refunds."""
    sql, params = "SELECT charge_id, user_key, credits, stars, at, refunded_at, taken_back FROM payments", ()
    if before is not None:
        sql, params = sql + " WHERE at < ?", (before,)
    return [dict(r) for r in await db.fetchall(sql + " ORDER BY at DESC LIMIT ?", (*params, PAGE))]


async def chats(db, now: float) -> list[dict]:
    """Chats and servers by credits spent in 30 days (the `usage` counters), with their limits."""
    first = quota_day(now - 29 * DAY)
    today = quota_day(now)
    rows = await db.fetchall(
        "SELECT u.scope AS scope, SUM(u.spent) AS month, SUM(CASE WHEN u.day = ? THEN u.spent ELSE 0 END) AS today, "
        "l.daily_credits AS daily_credits, l.max_in_flight AS max_in_flight FROM usage u "
        "LEFT JOIN limits l ON l.scope = u.scope WHERE u.scope >= 'chat:' AND u.scope < 'chat;' AND u.day >= ? "
        "GROUP BY u.scope, l.daily_credits, l.max_in_flight ORDER BY month DESC LIMIT ?", (today, first, PAGE))
    found = [{**dict(r), "chat": r["scope"].removeprefix("chat:")} for r in rows]
    # the titles of the page's chats only: a key lookup each, not a join over every chat's days
    titles = {r["chat_key"]: r["title"] for r in await db.fetchall(
        f"SELECT chat_key, title FROM chat_titles WHERE chat_key IN ({', '.join('?' * len(found))})",
        [c["chat"] for c in found])} if found else {}
    return [{**c, "title": titles.get(c["chat"], "")} for c in found]
