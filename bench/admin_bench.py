"""How fast `reelbot admin usage` answers on a database with many jobs.

    .venv/bin/python bench/admin_bench.py [--jobs 100000]

Fills a fresh database with delivered and failed jobs over 30 days (2,000 members, 50 chats,
every model), then times the report in-process and as the command an operator types.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.access import AccessPolicy  # noqa: E402
from bot.admin import AdminDesk  # noqa: E402
from bot.catalog import default_models  # noqa: E402
from bot.domain.requests import Requester  # noqa: E402
from bot.quota import Limits, quota_day  # noqa: E402
from bot.store.database import Database  # noqa: E402
from bot.store.policy import PolicyStore  # noqa: E402
from bot.store.rows import Rows, write_rows  # noqa: E402

_JOB = Rows("INSERT INTO jobs (id, user_key, platform, user_id, chat_id, command, model, prompt, options, "
            "destination, price, cost_mptc, quota_day, state, created_at, deadline_at, finished_at) VALUES",
            "(?, ?, 'telegram', ?, ?, 'image', ?, 'p', '{}', '{}', ?, ?, ?, ?, ?, ?, ?)")
_USER = Rows("INSERT OR IGNORE INTO users (user_key, platform, user_id, first_seen, last_seen) VALUES",
             "(?, 'telegram', ?, 0, 0)")


async def fill(db: Database, count: int) -> None:
    rng, models, now = random.Random(1), [m.name for m in default_models()], time.time()
    async with db.transaction() as conn:
        await write_rows(conn, _USER, [(f"telegram:{u}", str(u)) for u in range(2000)])
        rows = []
        for i in range(count):
            at = now - rng.uniform(0, 30 * 86400)
            user = rng.randrange(2000)
            price = rng.choice((1, 5, 7))
            rows.append((f"{i:012x}", f"telegram:{user}", str(user), str(-rng.randrange(50)), rng.choice(models),
                         price, price * 100, quota_day(at), "delivered" if rng.random() < 0.9 else "failed",
                         at, at + 1800, at + 60))
        await write_rows(conn, _JOB, rows)
        await conn.execute("INSERT INTO usage (scope, day, spent) SELECT 'spend', quota_day, SUM(cost_mptc) "
                           "FROM jobs GROUP BY quota_day")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="reelbot-admin-")) / "reelbot.db"
    db = await Database.open(path)
    started = time.perf_counter()
    await fill(db, args.jobs)
    print(f"filled {args.jobs} jobs in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    desk = AdminDesk(db, PolicyStore(db), AccessPolicy(Limits(50, 2)))
    operator = Requester("cli", "bench", is_admin=True)
    for period in ("today", "7d", "30d"):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            report = await desk.usage(operator, period)
            times.append(time.perf_counter() - started)
        print(f"usage {period:>5} in-process: best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms "
              f"({report.members_credits} member credits)")
    await db.close()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "entrypoints.cli", "admin", "usage", "30d"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "REELBOT_DB": str(path)})
    took = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    print(f"`reelbot admin usage 30d` as a command, start to exit: {took * 1000:.0f} ms")
    print(json.dumps({"jobs": args.jobs, "command_ms": round(took * 1000)}))


if __name__ == "__main__":
    asyncio.run(main())
