"""How fast every page of the operator's console answers on a big database.

    .venv/bin/python bench/console_bench.py [--jobs 1000000] [--members 100000] [--runs 30] [--postgres]

Fills a fresh SQLite database (sqlite3's executemany, the schema's indexes in place) with
jobs over a year (9 in 10 delivered, the rest refunded or cancelled; a few queued and running;
some unconfirmed calls), a ledger row per job, members with names, 500 titled chats with 30
days of usage, 30 days of spend; then serves the console on
loopback and times each page `--runs` times through a logged-in HTTP client: p50 and p95 in
ms, against the target of 150 ms p95. `--postgres`: the same on a PostgreSQL of pgserver's.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from adapters.web import ConsoleWeb  # noqa: E402
from bot.bootstrap import open_desk  # noqa: E402
from bot.catalog import default_models  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.job import CANCELLED  # noqa: E402
from bot.quota import quota_day  # noqa: E402
from bot.store import reports  # noqa: E402
from bot.store.database import Database  # noqa: E402

TARGET_MS = 150.0
NAMES = ("ann", "bob", "chen", "dana", "eve", "fang", "gus", "hana", "ivan", "jun", "kai", "li")


def user_rows(members: int, now: float):
    return ((f"telegram:{u}", "telegram", str(u), f"{NAMES[u % len(NAMES)]}{u}", 0.0, now - u) for u in range(members))


def job_rows(jobs: int, members: int, now: float):
    """Jobs over a year, oldest first as they were made: 9 in 10 delivered, the last few in flight."""
    rng, models = random.Random(1), [m.name for m in default_models()]
    for i in range(jobs):
        at = now - (jobs - i) * (365 * 86400 / jobs)
        user = rng.randrange(members)
        state = "delivered" if rng.random() < 0.9 else "failed"
        if i > jobs - 20:
            state = rng.choice(("queued", "running"))
        finished = at + rng.uniform(20, 400) if state in ("delivered", "failed") else None
        # a third of the failed ones cancelled by their member, the rest refunded
        failure = (CANCELLED if rng.random() < 1 / 3 else "302.AI refused") if state == "failed" else None
        yield (f"{i:012x}", f"telegram:{user}", str(user), str(-rng.randrange(500)), rng.choice(models),
               "a prompt", 5, 500, quota_day(at), state, at, at + 1800, finished, failure)


def title_rows(now: float):
    """A title for each of the 500 chats the jobs name ("Film club" is chat -42's)."""
    return ((f"telegram:{-c}", "Film club" if c == 42 else f"chat {c}", now) for c in range(500))


def chat_usage_rows(now: float):
    """30 days of credits spent in each of the 500 chats: what the Chats page sums."""
    rng = random.Random(3)
    return ((f"chat:telegram:{-c}", quota_day(now - d * 86400), rng.randrange(1000)) for c in range(500)
            for d in range(30))


def fill(path: Path, jobs: int, members: int) -> tuple[str, str]:
    """The database's rows; a job id and a member key to open their pages."""
    rng, now = random.Random(2), time.time()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany("INSERT INTO users (user_key, platform, user_id, name, first_seen, last_seen) "
                     "VALUES (?, ?, ?, ?, ?, ?)", user_rows(members, now))
    conn.executemany("INSERT INTO jobs (id, user_key, platform, user_id, chat_id, command, model, prompt, options, "
                     "destination, price, cost_mptc, quota_day, state, created_at, deadline_at, finished_at, failure) "
                     "VALUES (?, ?, 'telegram', ?, ?, 'image', ?, ?, '{}', '{}', ?, ?, ?, ?, ?, ?, ?, ?)", job_rows(jobs, members, now))
    conn.execute("INSERT INTO ledger (job_id, user_key, chat_key, entry, amount, at) "
                 "SELECT id, user_key, NULL, 'reserve', price, created_at FROM jobs")
    conn.execute("INSERT INTO ledger (job_id, user_key, chat_key, entry, amount, at) "
                 "SELECT id, user_key, NULL, 'spend_unconfirmed', cost_mptc, created_at FROM jobs "
                 "WHERE rowid % 20000 = 0")
    conn.executemany("INSERT INTO usage (scope, day, spent) VALUES ('spend', ?, ?)",
                     ((quota_day(now - d * 86400), rng.randrange(200_000)) for d in range(30)))
    conn.executemany("INSERT INTO audit (at, actor, action, target, detail) VALUES (?, 'cli:op', 'grant', ?, '5')",
                     ((now - i, f"telegram:{i}") for i in range(5000)))
    conn.executemany("INSERT INTO chat_titles (chat_key, title, seen_at) VALUES (?, ?, ?)", title_rows(now))
    conn.executemany("INSERT INTO usage (scope, day, spent) VALUES (?, ?, ?)", chat_usage_rows(now))
    conn.commit()
    job_id, user_key = conn.execute("SELECT id, user_key FROM jobs WHERE state = 'delivered' "
                                    "ORDER BY created_at DESC LIMIT 1").fetchone()
    conn.execute("ANALYZE")
    conn.close()
    return job_id, user_key


JOB_COLUMNS = ("id", "user_key", "user_id", "chat_id", "model", "prompt", "price", "cost_mptc", "quota_day", "state",
               "created_at", "deadline_at", "finished_at", "failure")


async def fill_postgres(url: str, jobs: int, members: int) -> tuple[str, str]:
    """The same rows on PostgreSQL, by COPY (asyncpg's copy_records_to_table)."""
    import asyncpg

    now, rng = time.time(), random.Random(2)
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("users", records=list(user_rows(members, now)),
                                         columns=("user_key", "platform", "user_id", "name", "first_seen", "last_seen"))
        rows = [(*r[:2], "telegram", *r[2:5], "image", r[5], "{}", "{}", *r[6:]) for r in job_rows(jobs, members, now)]
        await conn.copy_records_to_table("jobs", records=rows, columns=(
            "id", "user_key", "platform", "user_id", "chat_id", "model", "command", "prompt", "options", "destination",
            *JOB_COLUMNS[6:]))
        await conn.execute("INSERT INTO ledger (job_id, user_key, entry, amount, at) "
                           "SELECT id, user_key, 'reserve', price, created_at FROM jobs")
        await conn.execute("INSERT INTO ledger (job_id, user_key, entry, amount, at) SELECT id, user_key, "
                           "'spend_unconfirmed', cost_mptc, created_at FROM jobs WHERE hashtext(id) % 20000 = 0")
        await conn.executemany("INSERT INTO usage (scope, day, spent) VALUES ('spend', $1, $2)",
                               [(quota_day(now - d * 86400), rng.randrange(200_000)) for d in range(30)])
        await conn.executemany("INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, 'cli:op', 'grant', "
                               "$2, '5')", [(now - i, f"telegram:{i}") for i in range(5000)])
        await conn.executemany("INSERT INTO chat_titles (chat_key, title, seen_at) VALUES ($1, $2, $3)",
                               list(title_rows(now)))
        await conn.executemany("INSERT INTO usage (scope, day, spent) VALUES ($1, $2, $3)",
                               list(chat_usage_rows(now)))
        await conn.execute("ANALYZE")
        row = await conn.fetchrow("SELECT id, user_key FROM jobs WHERE state = 'delivered' "
                                  "ORDER BY created_at DESC LIMIT 1")
        return row["id"], row["user_key"]
    finally:
        await conn.close()


async def time_pages(settings: Settings, job_id: str, user_key: str, runs: int) -> list[tuple[str, float, float]]:
    desk = await open_desk(settings)
    web = ConsoleWeb(desk, settings, ("127.0.0.1", 0))
    await web.start()
    base = f"http://127.0.0.1:{web.port}"
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 40 * 86400))
    pages = ["/", "/jobs", "/jobs?state=failed", "/jobs?state=queued", f"/jobs?model={default_models()[-1].name}",
             f"/jobs?member={user_key}", "/jobs?chat=-42", f"/jobs?date={day}", f"/jobs/{job_id}",
             "/jobs?chat=Film club", "/members", "/members?q=chen", "/members?q=4242", f"/members/{user_key}",
             "/chats", "/payments", "/models", "/audit", "/settings"]
    results = []
    try:
        took = []
        for _ in range(5):  # what the console reads in the background once a minute
            start = time.perf_counter()
            await reports.week(desk.db, time.time())
            took.append((time.perf_counter() - start) * 1000)
        results.append(("(7-day figures, read in the background)", statistics.median(took), max(took)))
        token = await web.sessions.issue_link("bench")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(f"{base}/login", data={"token": token}) as answer:
                assert answer.status == 200, answer.status
            for page in pages:
                took = []
                for _ in range(runs):
                    start = time.perf_counter()
                    async with http.get(base + page, allow_redirects=False) as answer:
                        await answer.read()
                        assert answer.status == 200, (page, answer.status)
                    took.append((time.perf_counter() - start) * 1000)
                took.sort()
                results.append((page, statistics.median(took), took[min(len(took) - 1, int(0.95 * len(took)))]))
    finally:
        await web.stop()
        await desk.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL started by pgserver (the tests' own)")
    args = parser.parse_args()
    cluster = None
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if args.postgres:
            from bot.store.postgres import PgDatabase
            from tests.pg import PgCluster

            cluster = PgCluster()
            url = cluster.new_database()
            settings = Settings(data_dir=Path(tmp), database_url=url, console_listen="127.0.0.1:0")
            await (await PgDatabase.open(url)).close()  # the schema, every migration
            job_id, user_key = await fill_postgres(url, args.jobs, args.members)
        else:
            settings = Settings(data_dir=Path(tmp), console_listen="127.0.0.1:0")
            db = await Database.open(settings.database)  # the schema, every migration
            await db.close()
            job_id, user_key = fill(settings.database, args.jobs, args.members)
        print(f"filled {args.jobs:,} jobs, {args.members:,} members in {time.perf_counter() - start:.1f} s")
        worst = 0.0
        for page, p50, p95 in await time_pages(settings, job_id, user_key, args.runs):
            worst = max(worst, p95)
            print(f"{page:<42} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{'   OVER' if p95 > TARGET_MS else ''}")
        print(f"worst p95 {worst:.1f} ms (target {TARGET_MS:.0f} ms)")
    if cluster is not None:
        cluster.stop()


if __name__ == "__main__":
    asyncio.run(main())
