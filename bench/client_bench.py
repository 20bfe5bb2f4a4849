"""The 302.AI client's own cost: status queries a second and CPU per query, against the
simulator (another process, so only the client's CPU is counted).

    .venv/bin/python bench/client_bench.py [--queries 5000] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.simproc import start_simulator  # noqa: E402
from bot.ai302.client import Ai302Client  # noqa: E402

KEY = "sk-bench-0123456789abcdef"


async def run(queries: int, connections: int) -> None:
    proc, sim = start_simulator(KEY, 10**6)  # nothing finishes: every query is a full reply
    try:
        async with Ai302Client(sim, KEY, max_connections=connections) as client:
            task_id = await client.submit_video({"model": "T2V-01", "prompt": "a heron"})
            slots = asyncio.Semaphore(connections)

            async def ask() -> None:
                async with slots:
                    await client.query_video(task_id)

            await asyncio.gather(*(ask() for _ in range(connections * 4)))  # connections opened
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(ask() for _ in range(queries)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        proc.terminate()
        proc.wait()
    print(f"{queries} status queries through {connections} connections: {queries / wall:.0f} a second, "
          f"{1000 * cpu / queries:.2f} ms of the client's CPU each")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(run(args.queries, args.connections))


if __name__ == "__main__":
    main()
