"""Telegram's message budget, measured against a fake Bot API that enforces it (30 messages a
second overall, 20 in any minute per group, edits included, 429 beyond): run by
`bench/telegram_bench.py --chats group` and `--chats private --served`.

- group: a burst of `--burst` /image in one group, then a steady `--per-minute` commands a
  minute for `--minutes`. `--time-scale N` runs both N times faster: the group's minute (in
  the bot's budget and in the fake) is 60/N s, the steady rate N times higher and its run N
  times shorter; times to the result are also shown in unscaled minutes.
- private: `--rates` commands a second for `--seconds`, each from its own private chat, at
  the default 30 messages a second: images per second served (results over the time from
  the first command to the last result).

Printed: messages per job (sends and edits Telegram counts), the 429s the fake answered, the
time to the first sign that a command was taken (a reaction or a reply) p50/p99, the time
from 302.AI's result (the job's ready_at) to the member's result p50/p99, and whether every
result was delivered exactly once.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from adapters.telegram import TelegramAdapter, TelegramConfig
from adapters.telegram.flood import FloodGate
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.jobs.runner import Timing
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.fake_limits import TelegramLimits, counted

__all__ = ["group_run", "private_served"]

KEY = "sk-bench-0123456789abcdef"
TOKEN = "7000001:AAHbenchTOKEN-0123456789abcdefghij"


@dataclass
class Bench:
    fake: FakeBotApi
    core: object
    adapter: TelegramAdapter
    tmp: tempfile.TemporaryDirectory
    wall_offset: float  # time.time() - time.monotonic(): the fake stamps calls on the monotonic clock

    async def stop(self) -> None:
        await self.core.stop_jobs()
        await self.adapter.stop()
        await self.core.stop()
        await self.fake.close()
        self.tmp.cleanup()


async def start(sim: str, *, group_window: float, in_place: bool, timing: Timing | None = None) -> Bench:
    fake = FakeBotApi(TOKEN, limits=TelegramLimits(group_window=group_window))
    await fake.start()
    tmp = tempfile.TemporaryDirectory()
    settings = Settings(api_key=KEY, base_url=sim, data_dir=Path(tmp.name), daily_credits=10**6,
                        max_in_flight=10**6, bot_daily_mptc=0, max_concurrent_requests=8)
    core = await bootstrap(settings, timing=timing or Timing(expected_seconds=600))
    config = TelegramConfig(token=TOKEN, api_base=fake.base_url, file_api_base=fake.base_file_url,
                            poll_timeout=1.0, result_in_place=in_place)
    gate = FloodGate(per_second=config.sends_per_second, group_rate=(config.group_messages_per_minute, group_window),
                     concurrent=config.concurrent_calls)
    adapter = TelegramAdapter(core, config, flood_gate=gate)
    await adapter.start()
    await core.start()
    return Bench(fake, core, adapter, tmp, time.time() - time.monotonic())


async def wait_delivered(bench: Bench, total: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        row = await bench.core._store.db.fetchone("SELECT COUNT(*) AS n FROM jobs WHERE state = 'delivered'")
        if row["n"] >= total or time.monotonic() > deadline:
            return row["n"]
        await asyncio.sleep(0.2)


async def measure(bench: Bench, sent: list[tuple[dict, float]], chats: set[int], since: int) -> dict:
    """Figures for the commands `sent` (message, perf_counter when sent), from the fake's calls
    after index `since`."""
    fake = bench.fake
    calls = fake.calls[since:]
    ok = [c for c in calls if c.error is None]
    messages = sum(1 for c in ok if counted(c.method) and c.params.get("chat_id") in chats)
    # the first sign a command was taken: a reaction on it or a reply to it
    acks = []
    for command, at in sent:
        key = (command["chat"]["id"], command["message_id"])
        firsts = [fake.reaction_clock[key]] if key in fake.reaction_clock else []
        firsts += [fake.reply_clock[(m["chat"]["id"], m["message_id"])] for m in fake.replies_to(command)]
        if firsts:
            acks.append(min(firsts) - at)
    # results: a placeholder edited into it, or a new photo replying to the command
    status_of = {}  # (chat, status message id) -> command id
    for command, _ in sent:
        for m in fake.replies_to(command):
            status_of[(m["chat"]["id"], m["message_id"])] = command["message_id"]
    results: dict[tuple[int, int], set[int]] = {}
    first_result: dict[tuple[int, int], float] = {}
    for c in ok:
        if c.method == "editMessageMedia":
            target, chat = status_of.get((c.params["chat_id"], c.params["message_id"])), c.params["chat_id"]
            message_id = c.params["message_id"]
        elif c.method in ("sendPhoto", "sendDocument") and not str(c.params.get("caption", "")).startswith("⏳"):
            chat, message_id = c.params["chat_id"], c.result["message_id"]
            target = (c.params.get("reply_parameters") or {}).get("message_id")
        else:
            continue
        if target is None:
            continue
        results.setdefault((chat, target), set()).add(message_id)
        first_result.setdefault((chat, target), c.at + bench.wall_offset)
    rows = await bench.core._store.db.fetchall("SELECT destination, ready_at FROM jobs")
    lags = []
    for row in rows:
        d = json.loads(row["destination"])
        key = (d["chat_id"], d["reply_to"])
        if key in first_result and row["ready_at"]:
            lags.append(first_result[key] - row["ready_at"])
    once = sum(1 for command, _ in sent if len(results.get((command["chat"]["id"], command["message_id"]), ())) == 1)
    return {"jobs": len(sent), "messages_per_job": messages / max(1, len(sent)), "acks": sorted(acks),
            "lags": sorted(lags), "delivered_once": once, "results": len(first_result), "calls": ok}


def refusals(bench: Bench) -> tuple[int, int]:
    return bench.fake.limits.refused, bench.fake.limits.refused_in_groups


def q(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def report(title: str, figures: dict, refused: tuple[int, int], scale: float = 1.0) -> None:
    acks, lags = figures["acks"], figures["lags"]
    unscaled = (f" (unscaled: p50 {q(lags, .5) * scale / 60:.1f} min, p99 {q(lags, .99) * scale / 60:.1f} min)"
                if scale != 1 else "")
    print(f"{title}: {figures['jobs']} jobs, {figures['messages_per_job']:.2f} messages per job, {refused[0]} flood 429s "
          f"({refused[1]} of a group's window); "
          f"first sign of acknowledgement p50 {q(acks, .5):.2f} s, p99 {q(acks, .99):.2f} s "
          f"({len(acks)} acknowledged); 302.AI result to member's result p50 {q(lags, .5):.1f} s, "
          f"p99 {q(lags, .99):.1f} s{unscaled}; delivered exactly once: {figures['delivered_once']}/{figures['jobs']}",
          flush=True)


async def group_run(sim: str, *, burst: int, per_minute: float, minutes: float, scale: float,
                    in_place: bool) -> None:
    window = 60.0 / scale
    bench = await start(sim, group_window=window, in_place=in_place)
    try:
        group = bench.fake.group_chat(-1001000000001)
        member = bench.fake.user(9999, "Host")
        await bench.fake.send_text(member, group, "welcome")  # the group exists
        sent, since = [], len(bench.fake.calls)
        for i in range(burst):
            who = bench.fake.user(20_000 + i, f"M{i}")
            sent.append((await bench.fake.send_text(who, group, f"/image a fox, take {i}"), time.perf_counter()))
        await wait_delivered(bench, burst, timeout=burst * window / 20 * 1.5 + 30)
        report(f"burst of {burst} /image in one group (its minute = {window:g} s)", await measure(
            bench, sent, {group["id"]}, since), refusals(bench), scale)
        before = refusals(bench)
        await asyncio.sleep(window * 1.1)  # the burst's window has passed
        sent, since = [], len(bench.fake.calls)
        total, every = int(per_minute * minutes), 60.0 / per_minute / scale
        started = time.perf_counter()
        for i in range(total):
            if (wait := started + i * every - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            who = bench.fake.user(40_000 + i, f"S{i}")
            sent.append((await bench.fake.send_text(who, group, f"/image a hare, take {i}"), time.perf_counter()))
        await wait_delivered(bench, burst + total, timeout=60)
        report(f"steady {per_minute:g} a minute for {minutes:g} min in one group, {scale:g}x faster", await measure(
            bench, sent, {group["id"]}, since), tuple(a - b for a, b in zip(refusals(bench), before)), scale)
    finally:
        await bench.stop()


async def private_served(sim: str, *, rate: float, seconds: float, in_place: bool) -> None:
    bench = await start(sim, group_window=60.0, in_place=in_place)
    try:
        sent, since, chats = [], len(bench.fake.calls), set()
        total = int(rate * seconds)
        started = time.perf_counter()
        for i in range(total):
            if (wait := started + i / rate - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            who = bench.fake.user(60_000 + i, f"P{i}")
            chat = bench.fake.private_chat(who)
            chats.add(chat["id"])
            sent.append((await bench.fake.send_text(who, chat, f"/image a fox, take {i}"), time.perf_counter()))
        first = time.monotonic() - (time.perf_counter() - started)
        delivered = await wait_delivered(bench, total, timeout=120)
        figures = await measure(bench, sent, chats, since)
        last = max((c.at for c in figures["calls"] if c.method in ("editMessageMedia", "sendPhoto")), default=first)
        mode = "in place" if in_place else "status message + new result"
        served = f"served at {delivered / (last - first):.1f} a second" if last > first else "none served in time"
        print(f"private chats, {rate:g}/s offered for {seconds:g} s, 30 messages/s ({mode}): {delivered} images "
              f"{served}", flush=True)
        report("  of which", figures, refusals(bench))
    finally:
        await bench.stop()


async def video_edits(sim: str, *, videos: int, in_place: bool) -> None:
    """Status edits per video, at the production timing (each video takes the simulator's
    --video-seconds), every member in a private chat."""
    bench = await start(sim, group_window=60.0, in_place=in_place, timing=Timing())
    try:
        for i in range(videos):
            who = bench.fake.user(80_000 + i, f"V{i}")
            await bench.fake.send_text(who, bench.fake.private_chat(who), f"/video a fox, take {i}")
        delivered = await wait_delivered(bench, videos, timeout=110)
        await asyncio.sleep(6)  # the final "done" edits go after the delivery is recorded
        edits = [c for c in bench.fake.calls if c.method in ("editMessageText", "editMessageCaption")]
        print(f"{delivered} of {videos} videos delivered: {len(edits) / videos:.1f} status edits per video "
              f"({'in place' if in_place else 'text status'})", flush=True)
    finally:
        await bench.stop()
