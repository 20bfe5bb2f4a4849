"""Several workers on one PostgreSQL: intake of a cluster against one process, and a failover.

    .venv/bin/python bench/cluster.py [--workers 3] [--accept 3000] [--videos 3000] [--lease 30]

1. Intake: `--accept` image requests submitted all at once, first to one worker alone, then
   split over `--workers` workers starting together (jobs/s accepted = stored and answered).
2. Failover: `--videos` videos (60 s each at the simulator) submitted over the workers; once
   all are at 302.AI (running), one worker is SIGKILLed. Measured: seconds until every unfinished job of
   the dead worker is claimed by a live one (after a claim the job is queried at once), then
   the outcome of every job: posted once or refunded, 302.AI billed at most once per job
   (the simulator's own count), no job posted twice, both ledgers balanced.

Workers are tests/core/bot_process.py (the real core, wiring and store, posting to an
append-only file as their chat); the simulator runs in its own process; PostgreSQL is the
`pgserver` wheel's server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.failover import all_at_302ai, billed_videos, counts_by, servers, takeover  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.store.audit import ledger_problems  # noqa: E402
from bot.store.opening import open_store  # noqa: E402
from tests.pg import PgCluster  # noqa: E402

KEY = "sk-cluster-0123456789abcdef"


async def start_worker(workdir: Path, sim: str, url: str, name: str, lease: float, *args: str):
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.core.bot_process", "--db", str(workdir / f"{name}.db"), "--sim", sim,
        "--key", KEY, "--posts", str(workdir / "posts.log"), "--timeout", "30", "--database-url", url,
        "--worker-id", name, "--lease", str(lease), "--stay", "--faults", "0", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=open(workdir / f"{name}.log", "ab"),
        env={**os.environ, "PYTHONPATH": str(ROOT), "REELBOT_LOG_LEVEL": "WARNING"})


async def submit_over(workdir: Path, sim: str, url: str, count: int, workers: int, lease: float, only: str,
                      tag: str) -> tuple[list, float, int]:
    """`count` requests split over `workers` processes that start submitting together.
    Returns the processes (still running), the seconds from first to last acceptance, and
    how many were accepted."""
    go_at = time.time() + 4.0 + workers  # after every process has started
    share = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
    procs = [await start_worker(workdir, sim, url, f"{tag}{i}", lease, "--submit", str(n),
                                "--first", str(sum(share[:i])), "--only", only, "--go-at", f"{go_at:.3f}",
                                "--seed", str(len(tag)))
             for i, n in enumerate(share)]
    lines = [(await asyncio.wait_for(p.stdout.readline(), 600)).decode().split() for p in procs]
    # "submitted N accepted A from T0 to T1"
    began, ended = min(float(w[5]) for w in lines), max(float(w[7]) for w in lines)
    return procs, ended - began, sum(int(w[3]) for w in lines)


async def stop(procs) -> None:
    for proc in procs:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()


async def intake(pg: PgCluster, sim: str, count: int, workers: int) -> None:
    for n in (1, workers):
        workdir = Path(tempfile.mkdtemp(prefix="reelbot-cluster-"))
        procs, took, accepted = await submit_over(workdir, sim, pg.new_database(), count, n, 30.0, "image",
                                                  f"in{n}w")
        await stop(procs)
        print(f"intake, {n} worker(s): {accepted} of {count} accepted in {took:.2f} s = {accepted / took:,.0f} jobs/s")


async def failover(pg: PgCluster, sim: str, videos: int, workers: int, lease: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="reelbot-cluster-"))
    url = pg.new_database()
    procs, took, accepted = await submit_over(workdir, sim, url, videos, workers, lease, "video", "w")
    opened = await open_store(Settings(database_url=url))
    db = opened.db
    try:
        # kill when every video is at 302.AI (running): a kill during a paid call would end
        # those jobs as "unconfirmed" refunds, which bench/soak.py covers
        await all_at_302ai(db)
        victim = procs[0]
        victim.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        await victim.wait()
        orphans, claimed, ended = await takeover(db, "w0", killed)
        print(f"failover: {accepted} videos accepted over {workers} workers; worker w0 SIGKILLed "
              f"with {orphans} unfinished jobs")
        print(f"  all of them claimed by live workers {claimed:.1f} s after the kill "
              f"(lease {lease:.0f} s; target lease + 5 s)")
        print(f"  every job ended {ended:.1f} s after the kill")
        states, owners = await counts_by(db, "state"), await counts_by(db, "owner")
        problems = await ledger_problems(db)
    finally:
        await opened.close()
        await stop(procs)
    posts = Counter(line.split()[1] for line in (workdir / "posts.log").read_text().splitlines())
    per_prompt = billed_videos(sim)  # the intake made images
    print(f"  jobs by state: {states}; last owners: {owners}")
    print(f"  posts: {len(posts)} jobs posted, {sum(1 for n in posts.values() if n > 1)} posted twice")
    print(f"  302.AI billed {sum(per_prompt.values())} calls for {len(per_prompt)} prompts; "
          f"{sum(1 for n in per_prompt.values() if n > 1)} prompts billed twice")
    print(f"  ledger problems: {len(problems)}{' ' + str(problems[:3]) if problems else ''}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--accept", type=int, default=3000)
    parser.add_argument("--videos", type=int, default=3000)
    parser.add_argument("--video-seconds", type=float, default=60.0)
    parser.add_argument("--lease", type=float, default=30.0)
    args = parser.parse_args()
    with servers(KEY, args.video_seconds) as (pg, sim):
        if args.accept:
            await intake(pg, sim, args.accept, args.workers)
        if args.videos:
            await failover(pg, sim, args.videos, args.workers, args.lease)


if __name__ == "__main__":
    asyncio.run(main())
