"""Status queries per video and lag (finish → seen), for reelbot's schedule and for 302.AI's
own fixed 10 s poller, over the same videos.

    .venv/bin/python bench/poll_bench.py [--videos 150] [--seed 1]

Two spreads of generation time: realistic (60–300 s, uniform) and fast (10–40 s). reelbot
runs cold (the model's prior, 180 s) and warm (having learned from 40 earlier videos, from
the midpoints of the queries around each finish, as the runner does). The schedule is a pure
function of time, so this replays it exactly against each video's finish time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.jobs.schedule import PollSchedule, finish_estimate, spread_of  # noqa: E402

MIN_INTERVAL, MAX_INTERVAL, PRIOR = 3.0, 60.0, 180.0


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


def learn(finishes: list[float]) -> list[float]:
    """What the runner learns from these videos, one after the other, starting cold: the
    midpoints of the queries around each finish, each video polled with what was learned so far."""
    learned: list[float] = []
    for finish in finishes:
        schedule = PollSchedule(spread_of(learned[-40:], PRIOR), MIN_INTERVAL, MAX_INTERVAL)
        queries, lag, pending = reelbot(finish, schedule)
        learned.append(finish_estimate(pending, finish + lag))
    return learned


def report(name: str, rows: list[tuple[int, float]]) -> tuple[float, float]:
    queries = statistics.mean(q for q, _ in rows)
    lags = sorted(lag for _, lag in rows)
    mean, p95 = statistics.mean(lags), lags[int(0.95 * (len(lags) - 1))]
    print(f"  {name:<34} queries/video {queries:5.1f}   lag mean {mean:5.1f} s   p95 {p95:5.1f} s")
    return queries, mean


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for label, low, high in (("realistic 60–300 s", 60, 300), ("fast 10–40 s", 10, 40)):
        videos = [rng.uniform(low, high) for _ in range(args.videos)]
        history = [rng.uniform(low, high) for _ in range(40)]
        warm = PollSchedule(spread_of(learn(history), PRIOR), MIN_INTERVAL, MAX_INTERVAL)
        cold = PollSchedule(spread_of([], PRIOR), MIN_INTERVAL, MAX_INTERVAL)
        print(f"{label}, {args.videos} videos (learned window {warm.spread.lo:.0f}–{warm.spread.hi:.0f} s):")
        fq, flag = report("302.AI's fixed 10 s poller", [fixed(v)[:2] for v in videos])
        report("reelbot, cold (prior 180 s)", [reelbot(v, cold)[:2] for v in videos])
        wq, wlag = report("reelbot, learned", [reelbot(v, warm)[:2] for v in videos])
        print(f"  learned vs fixed: {wq / fq:.2f}x the queries at {wlag / flag:.2f}x the mean lag")


if __name__ == "__main__":
    main()
