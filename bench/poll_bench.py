"""Status queries per video and lag (finish → seen), for reelbot's schedule and for 302.AI's
own fixed 10 s poller, over the same videos.

    .venv/bin/python bench/poll_bench.py [--videos 150] [--seed 1]

Two spreads of generation time: realistic (60–300 s, uniform) and fast (10–40 s). reelbot
runs cold (the model's prior, 180 s) and learning (from --history earlier videos, then from
each measured one, keeping the last 40, from the queries around each finish, as the runner
does). The schedule is a pure function of time, so this replays it exactly against each
video's finish time. Last, the floor: the fewest queries any schedule could make at the
fixed poller's lag, knowing the spread exactly.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.jobs.schedule import EARLY_LOOKS, PollSchedule, finish_estimate, spread_of  # noqa: E402

MIN_INTERVAL, MAX_INTERVAL, PRIOR = 3.0, 60.0, 180.0
KEEP = 80  # finishes the runner learns from (bot.jobs.durations)


def fixed(finish: float, every: float = 10.0) -> tuple[int, float, float]:
    queries = int(finish // every) + 1
    seen = queries * every
    return queries, seen - finish, (queries - 1) * every


def reelbot(finish: float, schedule: PollSchedule) -> tuple[int, float, float | None]:
    """Replays the runner's loop: (queries, lag, time of the last query that found it unfinished)."""
    t, last, queries, overdue, pending = 0.0, None, 0, 0, None
    while True:
        t += schedule.next_delay(t, None if last is None else t - last, overdue)
        queries, last = queries + 1, t
        if t >= schedule.spread.hi:
            overdue += 1
        if t >= finish:
            return queries, t - finish, pending
        pending = t


def learning(finishes: list[float], learned: list[float], rng: random.Random) -> list[tuple[int, float]]:
    """The runner over these videos, one after the other: each polled with the window of the
    last 40 finishes learned (from the queries around each, as the runner does), then
    learned from. `learned` grows; pass [] to start cold."""
    rows = []
    for finish in finishes:
        schedule = PollSchedule(spread_of(learned[-KEEP:], PRIOR), MIN_INTERVAL, MAX_INTERVAL,
                                look_early=rng.random() < EARLY_LOOKS)
        queries, lag, pending = reelbot(finish, schedule)
        learned.append(finish_estimate(pending, finish + lag, schedule.spread, rng.random()))
        rows.append((queries, lag))
    return rows


def best_possible(low: float, high: float, lag: float, step: float = 1.0) -> float:
    """The fewest queries per video any schedule can make at mean lag `lag`, for finish times
    spread evenly over [low, high] and known in advance (by dynamic programming over query
    times on a `step` grid; cost = queries + λ·lag, λ searched until the lag matches)."""
    n = int((high - low) / step) + 1
    times = [low + i * step for i in range(n)]
    width = high - low

    def solve(weight: float) -> tuple[float, float]:
        # best[i]: expected queries + weight·lag still to come after a query at times[i] found nothing
        best, after = [0.0] * n, [n - 1] * n
        for i in range(n - 2, -1, -1):
            survive = (high - times[i]) / width  # the next query is made only if not yet finished
            best[i], after[i] = min((survive + weight * (times[j] - times[i]) ** 2 / (2 * width) + best[j], j)
                                    for j in range(i + 1, n))
        _, first = min((1 + weight * (times[i] - low) ** 2 / (2 * width) + best[i], i) for i in range(n))
        schedule, i = [times[first]], first
        while i < n - 1:
            i = after[i]
            schedule.append(times[i])
        queries = sum((1 + k) * (t - prev) for k, (prev, t) in enumerate(zip([low] + schedule, schedule))) / width
        lags = sum((t - prev) ** 2 / 2 for prev, t in zip([low] + schedule, schedule)) / width
        return queries, lags

    lo_w, hi_w = 0.01, 100.0
    for _ in range(30):  # a larger weight buys less lag with more queries
        mid = (lo_w * hi_w) ** 0.5
        if solve(mid)[1] > lag:
            lo_w = mid
        else:
            hi_w = mid
    return solve(hi_w)[0]


def report(name: str, rows: list[tuple[int, float]], say=print) -> tuple[float, float]:
    queries = statistics.mean(q for q, _ in rows)
    lags = sorted(lag for _, lag in rows)
    mean, p95 = statistics.mean(lags), lags[int(0.95 * (len(lags) - 1))]
    say(f"  {name:<34} queries/video {queries:5.1f}   lag mean {mean:5.1f} s   p95 {p95:5.1f} s")
    return queries, mean


def one_run(seed: int, count: int, history: int, *, quiet: bool) -> dict[str, tuple[float, float]]:
    """Both spreads with this seed; returns, per spread, (queries, mean lag) as multiples of
    the fixed poller's."""
    say = (lambda *a, **k: None) if quiet else print
    rng, ratios = random.Random(seed), {}
    for label, low, high in (("realistic 60–300 s", 60, 300), ("fast 10–40 s", 10, 40)):
        videos = [rng.uniform(low, high) for _ in range(count)]
        earlier = [rng.uniform(low, high) for _ in range(history)]
        cold = PollSchedule(spread_of([], PRIOR), MIN_INTERVAL, MAX_INTERVAL)
        learned: list[float] = []
        learning(earlier, learned, rng)
        window = spread_of(learned[-KEEP:], PRIOR)
        say(f"{label}, {count} videos after {history} earlier ones "
            f"(learned window then {window.lo:.0f}–{window.hi:.0f} s):")
        fq, flag = report("302.AI's fixed 10 s poller", [fixed(v)[:2] for v in videos], say)
        report("reelbot, cold (prior 180 s)", [reelbot(v, cold)[:2] for v in videos], say)
        wq, wlag = report("reelbot, learning as it goes", learning(videos, learned, rng), say)
        say(f"  learned vs fixed: {wq / fq:.2f}x the queries at {wlag / flag:.2f}x the mean lag")
        if not quiet:
            best = best_possible(low, high, flag)
            say(f"  best possible at the fixed poller's lag, the spread known exactly: {best:.1f} queries/video "
                f"({best / fq:.2f}x)")
        ratios[label] = (wq / fq, wlag / flag)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--history", type=int, default=200, help="videos learned from before the measured ones")
    parser.add_argument("--seeds", type=int, default=1,
                        help="also run this many seeds from --seed on, and sum up the spread of results")
    args = parser.parse_args()
    one_run(args.seed, args.videos, args.history, quiet=False)
    if args.seeds > 1:
        runs = [one_run(args.seed + n, args.videos, args.history, quiet=True) for n in range(args.seeds)]
        print(f"over {args.seeds} seeds ({args.seed}–{args.seed + args.seeds - 1}), learned vs fixed:")
        for label in runs[0]:
            queries = sorted(run[label][0] for run in runs)
            lags = sorted(run[label][1] for run in runs)
            print(f"  {label:<20} queries median {statistics.median(queries):.2f}x "
                  f"({queries[0]:.2f}–{queries[-1]:.2f}), mean lag median {statistics.median(lags):.2f}x "
                  f"({lags[0]:.2f}–{lags[-1]:.2f})")


if __name__ == "__main__":
    main()
