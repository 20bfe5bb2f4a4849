"""Callbacks against polling, side by side in one run, against the simulator (in its own process).

    .venv/bin/python bench/callback_bench.py [--videos 500] [--warm-up 100] [--scale 0.05] [--seed 1]

Time is scaled down by --scale (0.05: a 60–300 s video takes 3–15 s here, a 10 s poll is
0.5 s, the bot's poll timing and deadlines are scaled alike). The same stream of videos
(60–300 s each, uniform; arriving evenly over --stream seconds of wall time) goes at once to:

    fixed 10 s    302.AI's own apps' poller: a status query every 10 s (scaled) from submission
    polling       reelbot without a public URL: its learned schedule alone
    callbacks on  reelbot with callbacks, every one arriving
    30 % lost     reelbot with callbacks, 30 % of the tasks never calling back
    all lost      reelbot with callbacks configured, none arriving

Each reelbot is a real core (bootstrap, its own SQLite file, its callback door on loopback).
The first --warm-up videos of each stream teach the schedules and are not counted. Per
video: status queries (as counted by the simulator), and the lag from the simulator's
finish to the post in the chat (for the fixed poller, to the query that saw it done). Lags
are given in 302.AI's seconds (measured ÷ scale) and, for the callbacks, also as measured:
a woken query's round trips are not scaled down, so dividing them by the scale overstates
them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import random
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import simproc  # noqa: E402
from bot.ai302.client import Ai302Client  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.requests import Command, GenerationRequest, Requester  # noqa: E402
from bot.jobs.runner import Timing  # noqa: E402
from entrypoints.ops import OpsListener  # noqa: E402

KEY = "bench-key-0123456789"


class TimingMessenger:
    """Notes when each job's result was posted."""

    def __init__(self):
        self.posted: dict[str, float] = {}
        self.failed: set[str] = set()

    async def acknowledge(self, job, ticket):
        return None

    async def progress(self, job, progress):
        return None

    async def deliver(self, job, result):
        self.posted[job.id] = time.time()

    async def fail(self, job, reason):
        self.failed.add(job.id)

    def upload_limit(self, job):
        return 25 * 1024 * 1024


WAYS = {  # name: (callbacks configured, which videos never call back)
    "polling": (False, "none"), "callbacks on": (True, "none"), "30 % lost": (True, "30"), "all lost": (True, "all")}


def stream(args) -> tuple[list[float], set[int]]:
    """The videos' durations (scaled) and which of them lose their callback in "30 % lost"."""
    rng = random.Random(args.seed)
    total = args.videos + args.warm_up
    durations = [rng.uniform(60, 300) * args.scale for _ in range(total)]
    return durations, {n for n in range(total) if rng.random() < 0.3}


async def until(at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.time()))


async def reelbot_way(name: str, base_url: str, args, start_at: float, data_dir: Path) -> tuple[list, int]:
    """One reelbot (a real core, its own SQLite file, its callback door on loopback) fed the stream."""
    callbacks, lose = WAYS[name]
    durations, lost = stream(args)
    scale, overrides, sock = args.scale, {}, None
    if callbacks:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        # every callback comes from the simulator's one address: no limit worth the name
        overrides = {"public_url": f"http://127.0.0.1:{sock.getsockname()[1]}", "callback_rate": 10_000}
    settings = Settings(api_key=KEY, base_url=base_url, data_dir=data_dir, daily_credits=10**9,
                        max_in_flight=10**9, bot_daily_mptc=0, video_deadline=1800 * scale,
                        query_grace=1800 * scale, log_level="WARNING", **overrides)
    timing = Timing(min_poll_interval=3 * scale, max_poll_interval=60 * scale, retry_base=2 * scale,
                    retry_max=60 * scale, expected_seconds=180 * scale, poll_lag_floor=4.5 * scale,
                    query_grace=1800 * scale)
    core = await bootstrap(settings, timing=timing)
    messenger = TimingMessenger()
    core.register("bench", messenger)
    listener = None
    if callbacks:
        listener = OpsListener(core, {}, sock, door=core.callbacks, ops=False)
        await listener.start()
    await core.start()
    jobs = []
    try:
        for n, seconds in enumerate(durations):
            await until(start_at + n * args.stream / len(durations))
            never = lose == "all" or (lose == "30" and n in lost)
            prompt = f"video {n} [sim:slow={seconds:.3f}]" + (" [sim:cb-never]" if never else "")
            request = GenerationRequest(Requester("bench", "member", chat_id="chat"), {"n": n}, Command("video"),
                                        prompt, None, {}, None)
            jobs.append((await core.submit(request)).job_id)
        await core.wait_idle()
        tasks = sim_tasks(base_url)
        rows, undelivered = [], 0
        for job_id in jobs[args.warm_up:]:
            job = await core.job(job_id)
            if job_id not in messenger.posted:
                undelivered += 1
                continue
            task = tasks[job.task_id]
            rows.append((task["queries"], messenger.posted[job_id] - task["finish"]))
        return rows, undelivered
    finally:
        if listener is not None:
            await listener.stop()
        await core.stop()


async def fixed_way(base_url: str, args, start_at: float) -> tuple[list, int]:
    """302.AI's own apps' poller over the same stream: a status query every 10 s (scaled)."""
    durations, _ = stream(args)
    seen: dict[str, float] = {}
    async with Ai302Client(base_url, KEY, max_connections=16) as client:
        pollers = []
        for n, seconds in enumerate(durations):
            await until(start_at + n * args.stream / len(durations))
            pollers.append(asyncio.ensure_future(
                fixed_poller(client, f"video {n} [sim:slow={seconds:.3f}] fixed", 10 * args.scale, seen)))
        ids = await asyncio.gather(*pollers)
    tasks = sim_tasks(base_url)
    return [(tasks[t]["queries"], seen[t] - tasks[t]["finish"]) for t in ids[args.warm_up:]], 0


def run_way(name: str, base_url: str, args, start_at: float, data_dir: str) -> tuple[list, int]:
    """In a process of its own: each way's event loop is its own, so one way's load does not
    delay another's wake-ups (the cores are still shared)."""
    logging.disable(logging.WARNING)  # e.g. the unpriced models' notice, once per way
    if name == "fixed 10 s":
        return asyncio.run(fixed_way(base_url, args, start_at))
    return asyncio.run(reelbot_way(name, base_url, args, start_at, Path(data_dir)))


async def fixed_poller(client: Ai302Client, prompt: str, every: float, seen: dict[str, float]) -> str:
    task_id = await client.submit_video({"model": "T2V-01", "prompt": prompt, "prompt_optimizer": True})
    while True:
        await asyncio.sleep(every)
        if (await client.query_video(task_id)).finished:
            seen[task_id] = time.time()
            return task_id


def sim_tasks(base_url: str) -> dict[str, dict]:
    with urllib.request.urlopen(f"{base_url}/_sim/tasks", timeout=30) as reply:
        return json.loads(reply.read())


def figures(name: str, rows: list[tuple[int, float]], scale: float, *, raw: bool) -> dict:
    queries = statistics.mean(q for q, _ in rows)
    lags = sorted(lag for _, lag in rows)
    mean, p95 = statistics.mean(lags), lags[int(0.95 * (len(lags) - 1))]
    extra = f"   (measured: mean {mean * 1000:5.0f} ms, p95 {p95 * 1000:5.0f} ms)" if raw else ""
    print(f"  {name:<14} queries/video {queries:5.2f}   lag mean {mean / scale:6.1f} s   p95 {p95 / scale:6.1f} s{extra}")
    if raw:
        spread = {k: sum(1 for q, _ in rows if q == k) for k in sorted({q for q, _ in rows})}
        print(f"  {'':<14} videos by their number of status queries: {spread}")
    return {"queries": queries, "mean": mean / scale, "p95": p95 / scale}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=500, help="videos measured per way")
    parser.add_argument("--warm-up", type=int, default=150, help="videos before them, not counted")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--stream", type=float, default=50.0, help="wall seconds over which the videos arrive")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="run only these ways of reelbot (comma-separated names)")
    args = parser.parse_args()
    names = ["fixed 10 s"] + [n for n in WAYS if not args.only or n in args.only.split(",")]
    total = args.videos + args.warm_up
    began = time.monotonic()
    sim, base_url = simproc.start_simulator(KEY, 3.0)
    try:
        with tempfile.TemporaryDirectory() as tmp, \
                ProcessPoolExecutor(len(names), mp_context=multiprocessing.get_context("spawn")) as pool:
            start_at = time.time() + 10  # every way's process has started and its bot is up by then
            futures = {name: pool.submit(run_way, name, base_url, args, start_at, f"{tmp}/{n}")
                       for n, name in enumerate(names)}
            print(f"{total} videos of 60–300 s per way, time scaled by {args.scale} (a video takes "
                  f"{60 * args.scale:.0f}–{300 * args.scale:.0f} s here), arriving over {args.stream:.0f} s; "
                  f"the first {args.warm_up} teach the schedules and are not counted; lags in 302.AI's seconds")
            results = {}
            for name, future in futures.items():
                rows, undelivered = future.result()
                results[name] = figures(name, rows, args.scale, raw=name != "fixed 10 s" and WAYS[name][0])
                if undelivered:
                    print(f"    {undelivered} of {args.videos} NOT delivered")
        if "polling" in results and "all lost" in results:
            poll, gone = results["polling"], results["all lost"]
            print(f"  all lost vs polling: {gone['queries'] / poll['queries']:.2f}x the queries, "
                  f"{gone['mean'] / poll['mean']:.2f}x the mean lag")
        if "polling" in results:
            print(f"  polling vs fixed 10 s: {results['polling']['queries'] / results['fixed 10 s']['queries']:.2f}x "
                  f"the queries, {results['polling']['mean'] / results['fixed 10 s']['mean']:.2f}x the mean lag")
    finally:
        sim.kill()
        sim.wait()
    print(f"wall time {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
