"""`reelbot run` processes on one PostgreSQL, behind a Telegram webhook load balancer.

    .venv/bin/python bench/cluster_telegram.py [--workers 3] [--commands 2000] [--rate 400] [--videos 600]

Real `reelbot run` processes (role all: each receives by webhook and runs jobs), the fake
Bot API from tests/ in this process acting as Telegram and as a round-robin load balancer
over the processes' webhook ports, the 302.AI simulator in its own process, PostgreSQL from
the `pgserver` wheel.

1. Intake: `--commands` /image commands from as many members (private chats) offered at
   `--rate` a second, to one process alone and then to `--workers`: jobs/s accepted and the
   time to the "Queued" reply, through the adapter.
2. Failover: `--videos` /video commands over the workers; when all are at 302.AI, one
   process is SIGKILLed. Measured: seconds until its jobs are claimed by the others, and
   whether every member got exactly one result and 302.AI billed each video once.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.failover import all_at_302ai, billed_videos, counts_by, servers, takeover  # noqa: E402
from bench.telegram_bench import queued_waits  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.store.audit import ledger_problems  # noqa: E402
from bot.store.opening import open_store  # noqa: E402
from tests.pg import PgCluster  # noqa: E402
from tests.run_process import ReelbotProcess  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotApi  # noqa: E402

KEY = "sk-cluster-0123456789abcdef"
TOKEN = "7000001:AAHclusterTOKEN-0123456789abcdefghi"
HOOK = "https://bot.example.org/telegram-hook"


class BalancedBotApi(FakeBotApi):
    """Telegram posting each update to the next process in turn, as a load balancer would."""

    ports: list[int] = []
    _turn = 0

    async def _post_webhook(self, update: dict) -> None:
        headers = {}
        if secret := self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        for _ in range(len(self.ports)):  # a dead receiver: the balancer tries the next
            port = self.ports[self._turn % len(self.ports)]
            self._turn += 1
            try:
                async with self._client.post(f"http://127.0.0.1:{port}{urlsplit(HOOK).path}", json=update,
                                             headers=headers) as response:
                    if response.status == 200:
                        return
            except OSError:
                continue


async def start_cluster(n: int, fake: BalancedBotApi, sim: str, url: str, workdir: Path,
                        lease: float) -> list[ReelbotProcess]:
    procs = []
    for i in range(n):
        env = {"AI302_API_KEY": KEY, "AI302_BASE_URL": sim, "TELEGRAM_TOKEN": TOKEN,
               "TELEGRAM_API_BASE": fake.base_url, "TELEGRAM_FILE_API_BASE": fake.base_file_url,
               "TELEGRAM_WEBHOOK_URL": HOOK, "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:0",
               "TELEGRAM_SENDS_PER_SECOND": "2000", "REELBOT_DATABASE_URL": url, "REELBOT_WORKER_ID": f"w{i}",
               "REELBOT_LEASE_SECONDS": str(lease), "REELBOT_DAILY_CREDITS": "100000",
               "REELBOT_MAX_IN_FLIGHT": "100000", "REELBOT_BOT_DAILY_CREDITS": "0",
               "REELBOT_LOG_LEVEL": "INFO"}
        procs.append(await ReelbotProcess(env, workdir / f"w{i}").start())
    fake.ports = []
    for proc in procs:
        found = await proc.line(r"webhook on [\d.]+:(\d+)", timeout=60)
        fake.ports.append(int(found.group(1)))
    return procs


async def offer(fake: FakeBotApi, command: str, count: int, rate: float, first_user: int) -> list[tuple[dict, float]]:
    sent: list[tuple[dict, float]] = []

    async def one(i: int) -> None:
        member = fake.user(first_user + i, f"M{i}")
        at = time.perf_counter()
        message = await fake.send_text(member, fake.private_chat(member), f"/{command} a fox, take {i}")
        sent.append((message, at))

    started, tasks = time.perf_counter(), []
    for i in range(count):
        if (wait := started + i / rate - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return sent


async def intake(pg: PgCluster, sim: str, n: int, count: int, rate: float) -> None:
    fake = BalancedBotApi(TOKEN)
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="reelbot-tgcluster-"))
    url = pg.new_database()
    procs = await start_cluster(n, fake, sim, url, workdir, 30.0)
    try:
        began = time.perf_counter()
        sent = await offer(fake, "image", count, rate, 10_000)
        offered = time.perf_counter() - began
        waits = await queued_waits(fake, sent)
    finally:
        for proc in procs:
            await proc.stop()
        await fake.close()
    opened = await open_store(Settings(database_url=url))
    jobs = (await opened.db.fetchone("SELECT COUNT(*) AS n FROM jobs"))["n"]
    await opened.close()
    p = (lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] if waits else float("nan"))
    print(f"intake, {n} process(es): offered {count} at {rate:g}/s ({offered:.1f} s): {jobs} jobs "
          f"({jobs / offered:,.0f}/s while offered); 'Queued' replies {len(waits)}, p50 {p(0.5):.2f} s, "
          f"p99 {p(0.99):.2f} s")


async def failover(pg: PgCluster, sim: str, n: int, videos: int, lease: float) -> None:
    fake = BalancedBotApi(TOKEN)
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="reelbot-tgcluster-"))
    url = pg.new_database()
    procs = await start_cluster(n, fake, sim, url, workdir, lease)
    opened = await open_store(Settings(database_url=url))
    db = opened.db
    try:
        sent = await offer(fake, "video", videos, 200.0, 50_000)
        await queued_waits(fake, sent)
        await all_at_302ai(db)
        victim = procs[0]
        victim._proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        await victim._proc.wait()
        fake.ports = fake.ports[1:]
        orphans, claimed, ended = await takeover(db, "w0", killed)
        states = await counts_by(db, "state")
        problems = await ledger_problems(db)
    finally:
        await opened.close()
        for proc in procs[1:]:
            await proc.stop()
    results = Counter(call.params.get("chat_id") for call in fake.calls
                      if call.method in ("sendVideo", "sendDocument"))
    await fake.close()
    billed = billed_videos(sim)
    print(f"failover, {n} processes: {videos} videos; w0 SIGKILLed with {orphans} unfinished jobs; claimed by "
          f"the others {claimed:.1f} s later (lease {lease:g} s); all ended {ended:.1f} s after the kill")
    print(f"  jobs by state {states}; members with a result: {len(results)}, with two or more: "
          f"{sum(1 for c in results.values() if c > 1)}; 302.AI billed {sum(billed.values())} videos, "
          f"{sum(1 for c in billed.values() if c > 1)} twice; ledger problems: {len(problems)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--videos", type=int, default=600)
    parser.add_argument("--video-seconds", type=float, default=30.0)
    parser.add_argument("--lease", type=float, default=30.0)
    args = parser.parse_args()
    with servers(KEY, args.video_seconds) as (pg, sim):
        if args.commands:
            for n in (1, args.workers):
                await intake(pg, sim, n, args.commands, args.rate)
        if args.videos:
            await failover(pg, sim, args.workers, args.videos, args.lease)


if __name__ == "__main__":
    asyncio.run(main())
