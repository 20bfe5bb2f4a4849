"""A restart with thousands of unfinished videos: how soon each is asked about again, and how
fast the results reach their chats, through the real Telegram adapter.

    .venv/bin/python bench/resume_bench.py [--videos 10000] [--rate 500] [--sends-per-second 100000]
                                           [--images 2000] [--profile FILE [--profile-seconds N]]

`reelbot run` runs as its own process against the 302.AI simulator (another process) and the
fake Bot API (in this process, which plays Telegram and the members). N members each send
/video in their private chat; once every video is submitted to 302.AI and has been asked
about once (a video under way for a while, as at a real crash), the bot is killed with SIGKILL, every video is finished at the simulator, and the bot is started again. Printed:
seconds from the restart until 302.AI had been asked about every video (from the simulator's
own log), videos posted per second, duplicates, and the restarted process's CPU per video.
With --images, the bot first makes that many images end to end, and its CPU per image is printed.

Telegram lets an ordinary bot send about 30 messages a second; --sends-per-second lifts the
bot's own limit (TELEGRAM_SENDS_PER_SECOND) so that what is measured is the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.simproc import start_simulator  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotApi  # noqa: E402

KEY = "sk-bench-0123456789abcdef"
TOKEN = "7000002:AAHresumeTOKEN-0123456789abcdefghi"
TICKS = os.sysconf("SC_CLK_TCK")


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        conn.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def sim_call(sim: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{sim}{path}", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:  # loopback: the simulator
        return json.load(reply)


async def start_bot(api: FakeBotApi, sim: str, data_dir: Path, sends: float) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "AI302_API_KEY": KEY, "AI302_BASE_URL": sim, "REELBOT_DATA_DIR": str(data_dir),
        "REELBOT_MAX_IN_FLIGHT": "1000000", "REELBOT_DAILY_CREDITS": "1000000", "REELBOT_BOT_DAILY_CREDITS": "0",
        "REELBOT_LOG_LEVEL": "WARNING", "TELEGRAM_SENDS_PER_SECOND": str(sends),
        **({"AI302_MAX_CONCURRENT": os.environ["AI302_MAX_CONCURRENT"]} if "AI302_MAX_CONCURRENT" in os.environ else {}),
        "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_FILE_API_BASE": api.base_file_url,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "entrypoints.cli", "--env-file", str(data_dir / "none.env"), "run",
        env=env, cwd=data_dir, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def until(predicate, what: str, timeout: float, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")
        await asyncio.sleep(every)


async def image_cpu(api: FakeBotApi, pid: int, images: int, rate: float) -> None:
    """CPU of the bot per image, from the command to the posted photo and its last status."""
    cpu, started = cpu_seconds(pid), time.monotonic()
    for n in range(images):
        if (wait := started + n / rate - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        member = api.user(2_000_000 + n, f"I{n}")
        await api.send_text(member, api.private_chat(member), f"/image a red fox, take {n}")
    await until(lambda: len(api.sent("sendPhoto")) >= images, f"{images} photos", 600)
    took = time.monotonic() - started
    await asyncio.sleep(6)  # the last status edits (one edit interval) land
    used = cpu_seconds(pid) - cpu
    print(f"{images} images from command to chat in {took:.1f} s: bot CPU {used:.1f} s, "
          f"{1000 * used / images:.1f} ms per image (6 s of idle time after them included)", flush=True)


async def run(videos: int, rate: float, sends: float, profile: str | None, profile_seconds: int,
              images: int) -> None:
    sim_proc, sim = start_simulator(KEY, 10**6)  # nothing finishes until told to
    api = FakeBotApi(TOKEN)
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp), Path(tmp) / "reelbot.db"
        try:
            first = await start_bot(api, sim, data, sends)
            await until(lambda: api.commands, "the bot to start", 60)
            if images:
                await image_cpu(api, first.pid, images, rate)
            started = time.monotonic()
            for n in range(videos):
                if (wait := started + n / rate - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                member = api.user(1_000_000 + n, f"M{n}")
                await api.send_text(member, api.private_chat(member), f"/video a heron at dawn, take {n}")
            await until(lambda: count(db, "SELECT COUNT(*) FROM jobs WHERE state = 'running'") == videos,
                        f"{videos} videos running at 302.AI", 600, every=1.0)
            submitted = time.monotonic() - started
            # under way for a while, as at a real crash: each asked about at least once
            await until(lambda: len(sim_call(sim, "/_sim/queries")["first_after"]) >= videos,
                        "every video to be asked about once", 600, every=1.0)
            print(f"{videos} videos submitted in {submitted:.1f} s, each asked about once by "
                  f"{time.monotonic() - started:.1f} s; killing the bot (SIGKILL)", flush=True)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            sim_call(sim, "/_sim/config", {"finish_all": True})
            posted_before = len(api.sent("sendVideo"))

            restart_wall, restart = time.time(), time.monotonic()
            second = await start_bot(api, sim, data, sends)
            if profile:  # py-spy (pip install py-spy) samples the restarted bot until it stops
                spy = await asyncio.create_subprocess_exec(
                    str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(second.pid), "-r", "100",
                    "-f", "raw", "-o", profile, *(["--duration", str(profile_seconds)] if profile_seconds else []),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            posts: list[float] = []  # monotonic time of each sendVideo seen, in order
            seen, all_asked = posted_before, None
            while len(posts) < videos:
                if time.monotonic() - restart > 900:
                    print("gave up after 900 s", flush=True)
                    break
                await asyncio.sleep(0.25)
                now, calls = time.monotonic(), api.sent("sendVideo")
                posts.extend([now] * (len(calls) - seen))
                seen = len(calls)
                if all_asked is None:
                    firsts = sim_call(sim, f"/_sim/queries?after={restart_wall}")["first_after"]
                    if len(firsts) >= videos:
                        all_asked = max(firsts.values()) - restart_wall, min(firsts.values()) - restart_wall
            cpu = cpu_seconds(second.pid)
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 60)
            if profile:
                await spy.wait()
        finally:
            sim_proc.terminate()
            sim_proc.wait()
            await api.close()
    per_chat = Counter(call.params.get("chat_id") for call in api.sent("sendVideo"))
    twice = sum(1 for n in per_chat.values() if n > 1)
    print(f"restart: {posted_before} posted before the kill; after it, 302.AI first asked "
          f"{all_asked[1]:.1f} s and asked about all {videos} within {all_asked[0]:.1f} s of the restart"
          if all_asked else "restart: not every video was asked about again", flush=True)
    if posts:
        span = posts[-1] - posts[0]
        print(f"posted {len(posts)} videos: first {posts[0] - restart:.1f} s after the restart, last "
              f"{posts[-1] - restart:.1f} s; {len(posts) / max(span, 1e-9):.0f} videos/s from first to last, "
              f"{len(posts) / (posts[-1] - restart):.0f}/s from the restart; chats with two videos: {twice}; "
              f"bot CPU {cpu:.1f} s, {1000 * cpu / len(posts):.1f} ms per video (start-up included)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500.0, help="commands a second while filling up")
    parser.add_argument("--sends-per-second", type=float, default=100_000.0)
    parser.add_argument("--profile", help="write py-spy's raw samples of the restarted bot to this file")
    parser.add_argument("--profile-seconds", type=int, default=0,
                        help="sample only the first N seconds after the restart (default: until it stops)")
    parser.add_argument("--images", type=int, default=0, help="first, this many /image end to end (CPU per image)")
    args = parser.parse_args()
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # requests cut by the SIGKILL
    asyncio.run(run(args.videos, args.rate, args.sends_per_second, args.profile, args.profile_seconds, args.images))


if __name__ == "__main__":
    main()
