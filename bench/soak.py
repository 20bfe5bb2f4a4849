"""Fault soak: jobs against the simulator (its own process) with ~20 % injected faults of
every kind, outages of the free status query, a SIGKILL of the bot at a random moment, and a
restart; half the videos go to 302.AI's unified v2 models. Prints what happened to every job,
what 302.AI billed per job, both ledgers, and
operator spend against the ceiling.

    .venv/bin/python bench/soak.py [--jobs 2000] [--rate 400] [--ceiling 300000] [--seed N] [--outages 4]
                                   [--prices T2V-01=0,image-01=1] [--unified]

With `--unified` every 302.AI interface is in the mix: besides the MiniMax videos and images
and the unified videos (a rotation of four models of the shipped list), every other image goes
to 302.AI's asynchronous image interface (three models in turn), half of those asking for
three pictures (`[sim:images=3]`), delivered as one post. The report then counts each family
apart: its jobs, how they ended, its most paid calls for one job (at most 1), and the albums.

With `--prices` (REELBOT_PRICES' form, 0 allowed) members pay those prices; operator spend
and the ceiling must still count what 302.AI bills: the spend counted for confirmed calls
is checked against what the simulator billed for them (its /_sim/billing, at the cost table's
PTC per model).

The bot is tests/core/bot_process.py: the real core on SQLite, posting to an append-only
file (its "chat"), which survives the kill and can be asked what it holds. Its waits are
about 1/60 of the real ones (retry_max 1 s for 60 s, the query grace 30 s for 30 min, a
video's deadline 30 s for 30 min), so an outage of 1-5 s here stands for one of 1-5 minutes:
the simulator answers 503 (or 429) to status queries (and sometimes file info) meanwhile,
while it goes on making the videos. None of them may cost a refund.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.simproc import start_simulator  # noqa: E402
from bot.catalog import default_models  # noqa: E402
from bot.catalog.feed import pricing, shipped_entries  # noqa: E402
from bot.catalog.unified import read_models  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.i18n import dumps, loads, render  # noqa: E402
from bot.jobs.texts import TOO_SLOW  # noqa: E402
from bot.quota import quota_day  # noqa: E402
from bot.store.audit import ledger_problems  # noqa: E402
from bot.store.database import Database  # noqa: E402

KEY = "sk-soak-0123456789abcdef"


SCALE = 1 / 60  # of the real waits; see the module's note


async def run_bot(workdir: Path, sim: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.core.bot_process", "--db", str(workdir / "bot.db"), "--sim", sim,
        "--key", KEY, "--posts", str(workdir / "posts.log"), "--timeout", "1.5",
        "--video-deadline", str(30 * 60 * SCALE), "--image-deadline", str(10 * 60 * SCALE), *args,
        cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=open(workdir / "bot.log", "ab"),
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=400.0, help="requests per second")
    parser.add_argument("--ceiling", type=int, default=300_000, help="bot-wide daily ceiling in mPTC")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--video-seconds", type=float, default=2.0)
    parser.add_argument("--outages", type=int, default=4, help="outages of the free status query (1-5 scaled minutes)")
    parser.add_argument("--prices", default="", help="MODEL=CREDITS,… what members pay (0 allowed)")
    parser.add_argument("--unified", action="store_true",
                        help="asynchronous images (some of several pictures) in the mix too, each family reported")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sim_proc, sim = start_simulator(KEY, args.video_seconds)
    workdir = Path(tempfile.mkdtemp(prefix="reelbot-soak-"))
    plan = outage_plan(rng, args.outages, args.jobs / args.rate + 20.0)  # before the kill and after the restart
    outages = asyncio.create_task(play_outages(sim, plan))
    try:
        started = time.monotonic()
        bot = await run_bot(workdir, sim, "--submit", str(args.jobs), "--rate", str(args.rate),
                            "--seed", str(args.seed), "--ceiling", str(args.ceiling), "--prices", args.prices,
                            "--unified", "2", *(("--async-images", "2") if args.unified else ()))
        kill_at = rng.uniform(1.0, args.jobs / args.rate + 4.0)
        try:
            await asyncio.wait_for(bot.wait(), kill_at)
            killed = "never (it finished first)"
        except TimeoutError:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            killed = f"{kill_at:.2f} s after start"
        restarted = time.monotonic()
        bot = await run_bot(workdir, sim, "--submit", "0", "--ceiling", str(args.ceiling), "--prices", args.prices)
        await bot.wait()
        finished = time.monotonic()
        await outages
        await report(args, workdir, sim, killed, restarted - started, finished - restarted, plan)
    finally:
        outages.cancel()
        sim_proc.terminate()
        sim_proc.wait()


def outage_plan(rng: random.Random, count: int, within: float) -> list[dict]:
    """`count` outages of 1-5 scaled minutes, starting at random in the first `within` seconds."""
    plan = []
    for _ in range(count):
        on = ["query"] if rng.random() < 0.7 else ["query", "retrieve"]
        plan.append({"at": rng.uniform(0.5, within), "fault": rng.choice(["503", "503", "429"]),
                     "seconds": rng.uniform(1, 5) * 60 * SCALE, "on": on})
    return sorted(plan, key=lambda o: o["at"])


async def play_outages(sim: str, plan: list[dict]) -> None:
    began = time.monotonic()
    for outage in plan:
        await asyncio.sleep(max(0.0, outage["at"] - (time.monotonic() - began)))
        body = json.dumps({"outage": {k: outage[k] for k in ("fault", "seconds", "on")}}).encode()
        request = urllib.request.Request(f"{sim}/_sim/config", body, {"Content-Type": "application/json"})
        await asyncio.to_thread(urllib.request.urlopen, request)  # loopback: the simulator


async def report(args, workdir: Path, sim: str, killed: str, before: float, after: float, plan: list[dict]) -> None:
    with urllib.request.urlopen(f"{sim}/_sim/billing") as reply:  # loopback: the simulator
        billed = json.load(reply)
    with urllib.request.urlopen(f"{sim}/_sim/outages") as reply:
        refused = json.load(reply)["refused"]
    db = await Database.open(workdir / "bot.db")
    try:
        jobs = await db.fetchall("SELECT id, prompt, state, price, cost_mptc, quota_day, failure, model, options, "
                                 "result_urls FROM jobs")
        by_prompt = {row["prompt"]: row for row in jobs}
        states = Counter(row["state"] for row in jobs)
        posts = Counter(line.split()[1] for line in (workdir / "posts.log").read_text().splitlines())
        calls = Counter(b["prompt"] for b in billed)
        unknown = [p for p in calls if p not in by_prompt]
        spend_rows = {r["job_id"] for r in await db.fetchall(
            "SELECT job_id FROM ledger WHERE entry IN ('spend', 'spend_unconfirmed')")}
        # confirmed calls: 302.AI answered, and the bot wrote a `spend` row of the cost
        confirmed = {r["job_id"]: r["amount"] for r in await db.fetchall(
            "SELECT job_id, amount FROM ledger WHERE entry = 'spend'")}
        uncounted = [by_prompt[p]["id"] for p in calls if p in by_prompt and by_prompt[p]["id"] not in spend_rows]
        scopes = await db.fetchall(
            "SELECT CASE WHEN user_key IS NOT NULL THEN 'members' END AS scope, "
            "SUM(CASE entry WHEN 'reserve' THEN amount ELSE 0 END) AS reserved, "
            "SUM(CASE entry WHEN 'commit' THEN amount ELSE 0 END) AS committed, "
            "SUM(CASE entry WHEN 'refund' THEN amount ELSE 0 END) AS refunded, "
            "SUM(CASE WHEN entry IN ('spend', 'spend_unconfirmed') THEN amount ELSE 0 END) AS billed, "
            "SUM(CASE entry WHEN 'spend_unconfirmed' THEN 1 ELSE 0 END) AS unconfirmed FROM ledger")
        flying = sum(row["price"] for row in jobs if row["state"] in ("queued", "submitting", "running", "ready"))
        day = quota_day(time.time())
        spend = (await db.fetchone("SELECT COALESCE(SUM(spent), 0) AS s FROM usage WHERE scope = 'spend' "
                                   "AND day = ?", (day,)))["s"]
        sim_mptc = sum(by_prompt[p]["cost_mptc"] * n for p, n in calls.items() if p in by_prompt)
        # what the simulator billed for the confirmed calls, at the cost table's PTC (the
        # documented 0.5 PTC a MiniMax video, …): not the job's own record, nor its price
        # (the unified video models' costs from the shipped list, per second where it says so)
        models = {model.name: model for model in default_models()}
        models |= {model.name: model for model in read_models(shipped_entries(), pricing(Settings()))[0]}
        billed_confirmed = sum(models[b["model"]].cost_for(json.loads(by_prompt[b["prompt"]]["options"]))
                               for b in billed
                               if b["prompt"] in by_prompt and by_prompt[b["prompt"]]["id"] in confirmed)
        prices = Counter(row["price"] for row in jobs)
        problems = await ledger_problems(db)
    finally:
        await db.close()
    twice = [j for j, n in posts.items() if n > 1]
    over = [(by_prompt[p]["id"], n) for p, n in calls.items() if n > 1 and p in by_prompt]
    s = scopes[0]
    print(f"soak: {args.jobs} requests at {args.rate:g}/s, ~20 % faults, seed {args.seed}, "
          f"SIGKILL {killed}")
    print(f"  run 1 {before:.1f} s, run 2 (restart to idle) {after:.1f} s")
    print("  outages                  " + (", ".join(
        f"{o['fault']} to {'+'.join(o['on'])} at {o['at']:.1f} s for {o['seconds']:.1f} s "
        f"(~{o['seconds'] / SCALE / 60:.1f} min)" for o in plan) or "none"))
    print(f"  lookups refused by them  {refused['query']} status queries, {refused['retrieve']} file infos")
    print(f"  jobs accepted            {len(jobs)}   (refused at the door: {args.jobs - len(jobs)}, "
          "ceiling or not yet sent at the kill)")
    print(f"  delivered                {states['delivered']}")
    print(f"  refunded                 {states['failed']}")
    reasons = Counter(_reason(row["failure"]) for row in jobs if row["state"] == "failed")
    print(f"  refunded, by reason      {dict(reasons.most_common())}")
    slow = sum(n for r, n in reasons.items() if r == _reason(dumps(TOO_SLOW)))
    print(f"  not finished in time     {slow}   (an outage must add none)")
    print(f"  stuck                    {len(jobs) - states['delivered'] - states['failed']}   (must be 0)")
    print(f"  posted twice             {len(twice)}   (must be 0) {twice[:10]}")
    print(f"  ended without a post     {sum(1 for row in jobs if row['id'] not in posts)}")
    print(f"  paid calls (simulator)   {sum(calls.values())} for {len(calls)} jobs; "
          f"max per job {max(calls.values(), default=0)} (must be <= 1) {over[:10]}")
    print(f"  billed but not counted   {len(uncounted) + len(unknown)}   (must be 0)")
    print(f"  member ledger            reserved {s['reserved']} = committed {s['committed']} + refunded "
          f"{s['refunded']} + in flight {flying}: {'holds' if s['reserved'] == s['committed'] + s['refunded'] + flying else 'BROKEN'}")
    print(f"  operator spend           {spend} mPTC counted ({s['unconfirmed']} unconfirmed calls); "
          f"simulator billed {sim_mptc} mPTC; ceiling {args.ceiling} mPTC: "
          f"{'within' if max(spend, sim_mptc) <= args.ceiling else 'OVER'}")
    counted = sum(confirmed.values())
    print(f"  confirmed calls          {len(confirmed)}: spend counted {counted} mPTC, simulator billed "
          f"{billed_confirmed} mPTC for them: {'equal' if counted == billed_confirmed else 'DIFFERENT'}")
    print(f"  member prices            {dict(sorted(prices.items()))} (credits: jobs)"
          + (f", overrides {args.prices}" if args.prices else ""))
    print(f"  ledger audit             {'balanced' if not problems else problems[:5]}")
    if args.unified:
        families(jobs, calls, posts, models)


def families(jobs, calls: Counter, posts: Counter, models: dict) -> None:
    """Each family of 302.AI interface apart: jobs, endings, most paid calls for one job, albums."""
    def family(row) -> str:
        model = models.get(row["model"])
        if model is None or model.endpoint.value.startswith("minimax"):
            return "MiniMax"
        if model.output == "video":
            return "unified video"
        return "async image" if model.asynchronous else "sync image"

    for name in ("MiniMax", "unified video", "async image", "sync image"):
        rows = [row for row in jobs if family(row) == name]
        if not rows:
            continue
        states = Counter(row["state"] for row in rows)
        most = max((calls.get(row["prompt"], 0) for row in rows), default=0)
        albums = sum(1 for row in rows if row["state"] == "delivered" and row["result_urls"])
        print(f"  {name:<24} {len(rows)} jobs: {states['delivered']} delivered, {states['failed']} refunded; "
              f"paid calls at most {most} per job (must be <= 1); posted twice "
              f"{sum(1 for row in rows if posts.get(row['id'], 0) > 1)}"
              + (f"; {albums} delivered as one post of several pictures" if name == "async image" else ""))


def _reason(failure: str | None) -> str:
    """A stored failure reason in English, cut to what tells the reasons apart."""
    return render(loads(failure), "en")[:48] if failure else "?"


if __name__ == "__main__":
    asyncio.run(main())
