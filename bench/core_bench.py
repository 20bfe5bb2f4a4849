"""Core benchmarks against the 302.AI simulator running in its own process.

    python bench/core_bench.py                 # both figures
    python bench/core_bench.py --only accept   # a burst: how fast 5,000 requests are accepted
    python bench/core_bench.py --only steady   # 1,000 requests/s for 10 s while jobs run
    python bench/core_bench.py --only inflight # peak RSS with 10,000 videos in flight

Targets (issue #2): >= 1,000 accepted jobs/s; <= 300 MB peak RSS with 10,000 video jobs in
flight at once, every one of them delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.requests import Command, GenerationRequest, Requester  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.jobs.runner import Timing  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bench import simproc  # noqa: E402

KEY = "bench-key-0123456789"


class CountingMessenger:
    """Counts outcomes and keeps nothing, like a platform that has posted the file."""

    def __init__(self):
        self.delivered = 0
        self.failed = 0
        self.done = asyncio.Event()
        self.expected = 0

    async def acknowledge(self, job, ticket):
        return None

    async def progress(self, job, progress):
        return None

    async def deliver(self, job, result):
        assert result.data, "an empty result"
        self.delivered += 1
        self._check()

    async def fail(self, job, reason):
        self.failed += 1
        self._check()

    def _check(self):
        if self.delivered + self.failed >= self.expected:
            self.done.set()

    def upload_limit(self, job):
        return 25 * 1024 * 1024


def start_simulator(video_seconds: float) -> tuple[subprocess.Popen, str]:
    return simproc.start_simulator(KEY, video_seconds)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# 302.AI requests under way at once (AI302_MAX_CONCURRENT). Against a simulator on loopback a
# few connections are fastest: httpcore's pool scans every connection on each request.
CONCURRENCY = 4


async def make_core(base_url: str, data_dir: Path, jobs: int, video_seconds: float):
    settings = Settings(api_key=KEY, base_url=base_url, data_dir=data_dir, daily_credits=10**9,
                        max_in_flight=10**9, bot_daily_mptc=0, max_concurrent_requests=CONCURRENCY,
                        video_deadline=3600)
    timing = Timing(min_poll_interval=1.0, max_poll_interval=10.0, retry_base=0.5,
                    expected_seconds=video_seconds)
    core = await bootstrap(settings, timing=timing)
    messenger = CountingMessenger()
    messenger.expected = jobs
    core.register("bench", messenger)
    await core.start()
    return core, messenger


async def accept_rate(base_url: str, jobs: int, users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        core, messenger = await make_core(base_url, Path(tmp), jobs, video_seconds=5)
        requests = [GenerationRequest(Requester("bench", str(i % users), chat_id=str(i % 50)), {"n": i},
                                      Command.VIDEO, f"a cat surfing, take {i}") for i in range(jobs)]
        started = time.perf_counter()
        await asyncio.gather(*(core.submit(r) for r in requests))
        took = time.perf_counter() - started
        print(f"accepted {jobs} video jobs from {users} users in {took:.2f} s: "
              f"{jobs / took:,.0f} accepted jobs/s (target >= 1,000)")
        await asyncio.wait_for(messenger.done.wait(), 600)
        print(f"  then delivered {messenger.delivered}, failed {messenger.failed}")
        await core.stop()


async def accept_with_listener(base_url: str, jobs: int, users: int, rounds: int = 2) -> None:
    """Accepted jobs/s without and with the operators' listener being scraped (every 0.25 s,
    far more often than Prometheus would), alternating so that drift hits both alike."""
    import httpx

    from entrypoints.ops import OpsListener

    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        for listening in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                core, messenger = await make_core(base_url, Path(tmp), jobs, video_seconds=600)
                listener, scrapes = None, 0
                if listening:
                    listener = OpsListener(core, {}, "127.0.0.1:0")
                    await listener.start()
                requests = [GenerationRequest(Requester("bench", str(i % users), chat_id=str(i % 50)), {"n": i},
                                              Command.VIDEO, f"a cat surfing, take {i}") for i in range(jobs)]

                async def scrape() -> None:
                    nonlocal scrapes
                    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as http:
                        while True:
                            assert (await http.get("/metrics")).status_code == 200
                            scrapes += 1
                            await asyncio.sleep(0.25)

                scraper = asyncio.create_task(scrape()) if listening else None
                started = time.perf_counter()
                await asyncio.gather(*(core.submit(r) for r in requests))
                took = time.perf_counter() - started
                if scraper:
                    scraper.cancel()
                    await asyncio.gather(scraper, return_exceptions=True)
                    await listener.stop()
                rates[listening].append(jobs / took)
                print(f"  {'with' if listening else 'without'} the listener: {jobs / took:,.0f} accepted jobs/s"
                      + (f" ({scrapes} scrapes of /metrics meanwhile)" if listening else ""))
                await core.stop()
    without, with_ = statistics.median(rates[False]), statistics.median(rates[True])
    print(f"median of {rounds}: {without:,.0f}/s without, {with_:,.0f}/s with the listener: "
          f"{(without - with_) / without * 100:+.1f} % slower (target < 5 %)")


async def steady_rate(base_url: str, rate: int, seconds: float, users: int) -> None:
    """Requests arrive at `rate` per second, as from many chats at once, while the runner
    submits, polls and delivers the jobs already accepted: can acceptance keep up?"""
    jobs = int(rate * seconds)
    with tempfile.TemporaryDirectory() as tmp:
        core, messenger = await make_core(base_url, Path(tmp), jobs, video_seconds=5)
        latencies: list[float] = []

        async def one(i: int) -> None:
            sent = time.perf_counter()
            await core.submit(GenerationRequest(Requester("bench", str(i % users), chat_id=str(i % 50)),
                                                {"n": i}, Command.VIDEO, f"a cat surfing, take {i}"))
            latencies.append(time.perf_counter() - sent)

        started = time.perf_counter()
        tasks = []
        tick = 0.01
        for step in range(int(seconds / tick)):
            due = started + step * tick
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks += [asyncio.create_task(one(i)) for i in range(len(tasks), int(rate * (step + 1) * tick))]
        await asyncio.gather(*tasks)
        took = time.perf_counter() - started
        latencies.sort()
        p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
        print(f"offered {rate}/s for {seconds:.0f} s: accepted {len(latencies)} in {took:.2f} s = "
              f"{len(latencies) / took:,.0f} accepted jobs/s; time to accept p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms")
        await asyncio.wait_for(messenger.done.wait(), 900)
        drained = time.perf_counter() - started
        print(f"  all {messenger.delivered} delivered ({messenger.failed} failed) {drained:.1f} s after the "
              f"first request: {messenger.delivered / drained:,.0f} jobs/s end to end (each job makes 6 "
              "calls to 302.AI and one download)")
        await core.stop()


async def in_flight(base_url: str, jobs: int, video_seconds: float, trace: int = 0,
                    hold: float | None = None, batch: int = 0) -> None:
    """`trace`: also print the `trace` places whose allocations grew most between the start and
    the moment the most jobs were in flight (tracemalloc: slow, so RSS figures are then off)."""
    import tracemalloc

    with tempfile.TemporaryDirectory() as tmp:
        core, messenger = await make_core(base_url, Path(tmp), jobs, video_seconds)
        if trace:
            tracemalloc.start(1)
            first = tracemalloc.take_snapshot()
        baseline = rss_mb()
        peak = baseline
        started = time.perf_counter()
        # all at once by default; `batch`: that many at a time, which leaves out what a burst
        # holds only while it is being accepted (each request waiting for the database)
        for first_of in range(0, jobs, batch or jobs):
            await asyncio.gather(*(core.submit(GenerationRequest(Requester("bench", str(i)), {"n": i},
                                                                 Command.VIDEO, f"a cat surfing, take {i}"))
                                   for i in range(first_of, min(jobs, first_of + (batch or jobs)))))
        most_in_flight = core.busy_jobs
        submitted = time.perf_counter()
        accepted_rss = rss_mb()
        # `hold`: watch this long after the last was accepted, then stop (videos made to take
        # longer than that are all in flight: their memory is what is measured)
        while not messenger.done.is_set() and (hold is None or time.perf_counter() < submitted + hold):
            peak = max(peak, rss_mb())
            most_in_flight = max(most_in_flight, core.busy_jobs)
            try:
                await asyncio.wait_for(messenger.done.wait(), 0.5)
            except TimeoutError:
                pass
        if trace:  # with --hold, before any is delivered: what the jobs in flight hold
            fullest = tracemalloc.take_snapshot()
        took, now = time.perf_counter() - started, rss_mb()
        peak_ever = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{jobs} video jobs in flight at once (most seen: {most_in_flight}); "
              f"delivered {messenger.delivered}, failed {messenger.failed} in {took:.1f} s")
        print(f"  RSS: {baseline:.0f} MB before, peak {max(peak, peak_ever):.0f} MB (target <= 300 MB); "
              f"{(max(peak, peak_ever) - baseline) * 1024 / jobs:.1f} KB per job; {accepted_rss:.0f} MB when the "
              f"last was accepted, {now:.0f} MB at the end")
        if trace:
            grown = fullest.compare_to(first, "lineno")
            print(f"  grown most while {most_in_flight} were in flight (per job):")
            for stat in grown[:trace]:
                print(f"    {stat.size_diff / jobs:8.0f} B  {stat.count_diff / jobs:6.1f} objects  {stat.traceback}")
        await core.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=("accept", "steady", "inflight", "listener"))
    parser.add_argument("--rate", type=int, default=1000, help="requests per second offered (steady)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long they are offered (steady)")
    parser.add_argument("--accept-jobs", type=int, default=5000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--inflight-jobs", type=int, default=10_000)
    parser.add_argument("--video-seconds", type=float, default=30.0)
    parser.add_argument("--hold", type=float, default=None,
                        help="inflight: stop this many seconds after the last job was accepted")
    parser.add_argument("--accept-batch", type=int, default=0, help="inflight: accept this many at a time")
    parser.add_argument("--run-gc", action="store_true", help="inflight: the garbage collection of `reelbot run`")
    parser.add_argument("--trace", type=int, default=0, help="inflight: show the N places that grew most")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="AI302_MAX_CONCURRENT")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (listener)")
    args = parser.parse_args()
    globals()["CONCURRENCY"] = args.concurrency
    sim, base_url = start_simulator(args.video_seconds)
    try:
        print(f"simulator in its own process (pid {sim.pid}) at {base_url}; {os.cpu_count()} CPUs; "
              f"{CONCURRENCY} concurrent 302.AI requests")
        if args.only in (None, "accept"):
            await accept_rate(base_url, args.accept_jobs, args.users)
        if args.only in (None, "steady"):
            await steady_rate(base_url, args.rate, args.seconds, args.users)
        if args.only in (None, "inflight"):
            if args.run_gc:
                import gc

                from entrypoints.cli import GC_THRESHOLDS
                gc.set_threshold(*GC_THRESHOLDS)  # as `reelbot run` sets them
            await in_flight(base_url, args.inflight_jobs, args.video_seconds, args.trace, args.hold,
                            args.accept_batch)
        if args.only in (None, "listener"):
            await accept_with_listener(base_url, max(args.accept_jobs, 20_000), args.users, args.rounds)
    finally:
        sim.terminate()
        sim.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
