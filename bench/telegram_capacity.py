"""The bot's own capacity through Telegram, measured from outside, with the limits lifted.

    .venv/bin/python bench/telegram_capacity.py [--rate 200] [--seconds 10] [--latency 0.05-0.1]
                                                [--sends-per-second 1000] [--in-place on|off]
                                                [--profile out.txt]

Three processes, as in production: a real `reelbot run` (SQLite, long polling), the fake Bot
API from tests/ answering every call after `--latency` seconds (uniform; tests/telegram/
fake_bot_api_process.py), and the 302.AI simulator (images ready at once). The fake offers
`/image` commands at `--rate` a second for `--seconds`, each from its own member in a private
chat, and records when each member saw the bot's first reply and their photo. The bot's CPU
is read from /proc/<pid>/stat over the whole run (offering until the last photo), so CPU per
image holds on a loaded machine even where the rates do not. TELEGRAM_SENDS_PER_SECOND is
raised (`--sends-per-second`, as for a bot Telegram allows more): the bot's own limits are
measured, not Telegram's. `--in-place off` sets TELEGRAM_RESULT_IN_PLACE=false (a text status,
the photo as a new message, a final status edit); with it on (the default) the photo time is
when the placeholder's media was replaced by the result. `--profile` runs py-spy on the bot during the load (if installed)
and writes its top functions there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.simproc import start_simulator  # noqa: E402
from tests.run_process import ReelbotProcess  # noqa: E402
from tests.telegram.fake_bot_api_process import start_fake_bot_api  # noqa: E402

KEY = "sk-capacity-0123456789abcdef"
TOKEN = "7000001:AAHcapacityTOKEN-0123456789abcdefgh"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def cpu_seconds(pid: int) -> float:
    return sum(cpu_times(pid))


def quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run(args: argparse.Namespace) -> None:
    sim_proc, sim = start_simulator(KEY, 600.0)
    fake = start_fake_bot_api(TOKEN, args.latency)
    workdir = Path(tempfile.mkdtemp(prefix="reelbot-capacity-"))
    env = {"AI302_API_KEY": KEY, "AI302_BASE_URL": sim, "TELEGRAM_TOKEN": TOKEN,
           "TELEGRAM_API_BASE": fake.base_url, "TELEGRAM_FILE_API_BASE": fake.base_file_url,
           "TELEGRAM_SENDS_PER_SECOND": str(args.sends_per_second), "REELBOT_DATA_DIR": str(workdir / "data"),
           "REELBOT_DAILY_CREDITS": "1000000", "REELBOT_MAX_IN_FLIGHT": "1000", "REELBOT_BOT_DAILY_CREDITS": "0",
           "TELEGRAM_RESULT_IN_PLACE": "true" if args.in_place == "on" else "false",
           "REELBOT_LOG_LEVEL": "WARNING" if not args.verbose else "INFO"}
    bot = await ReelbotProcess(env, workdir).start()
    try:
        await ready(fake)
        pid = bot._proc.pid
        cpu0, fake_cpu0, wall0 = cpu_times(pid), cpu_seconds(fake.proc.pid), time.perf_counter()
        profiler = start_profile(pid, args) if args.profile else None
        offered = await asyncio.to_thread(fake.ask, {"offer": {"rate": args.rate, "seconds": args.seconds}})
        waited = await asyncio.to_thread(fake.ask, {"wait": {"for": "photo", "timeout": args.timeout}})
        user, system = (now - then for now, then in zip(cpu_times(pid), cpu0))
        wall = time.perf_counter() - wall0
        fake_cpu = cpu_seconds(fake.proc.pid) - fake_cpu0
        if profiler is not None:
            stop_profile(profiler, args.profile)
    finally:
        await bot.stop()
        fake.stop()
        sim_proc.terminate()
        sim_proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    report(args, offered, waited, (user, system), wall, fake_cpu)


async def ready(fake) -> None:
    """With the bot's log quiet, ready is when it is polling: its commands are set by then."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = await asyncio.to_thread(fake.ask, {"wait": {"for": "photo", "timeout": 0}})
        if found["calls"].get("setMyCommands") and found["calls"].get("deleteWebhook"):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the bot did not start polling within 60 s")


def report(args, offered: dict, waited: dict, times: tuple[float, float], wall: float, fake_cpu: float) -> None:
    cpu = sum(times)
    first, result = waited["first_reply"], waited["result"]
    total = offered["offered"]
    served = len(result)
    # answered a second: photos delivered over the time from the first command to the last photo
    span = waited["span"] or float("nan")
    calls = {k: v for k, v in sorted(waited["calls"].items()) if k not in ("setMyCommands", "deleteWebhook", "getMe")}
    per_job = sum(calls.values()) / served if served else float("nan")
    print(f"offered {total} /image at {args.rate:g}/s for {args.seconds:g} s (took {offered['took']:.1f} s), "
          f"Bot API latency {args.latency} s, sends {args.sends_per_second:g}/s, in place {args.in_place} [{load()}]")
    print(f"  photos {served}/{total} ({waited['unanswered']} unanswered); answered {served / span:,.0f}/s "
          f"(last photo {span:.1f} s after the first command)")
    print(f"  first reply p50 {quantile(first, 0.5):.2f} s, p99 {quantile(first, 0.99):.2f} s; "
          f"photo p50 {quantile(result, 0.5):.2f} s, p99 {quantile(result, 0.99):.2f} s")
    fetched = waited["fetched"]
    print(f"  where a first reply's wait goes: to the bot's getUpdates p50 {quantile(fetched, 0.5):.2f} s, "
          f"p99 {quantile(fetched, 0.99):.2f} s; the rest in the bot")
    print(f"  bot CPU {cpu:.1f} s over {wall:.1f} s ({100 * cpu / wall:.0f} % of a core): "
          f"{1000 * cpu / max(served, 1):.1f} ms per image ({1000 * times[0] / max(served, 1):.1f} in the bot's own "
          f"code and libraries, {1000 * times[1] / max(served, 1):.1f} in the kernel for it); "
          f"the fake Bot API {100 * fake_cpu / wall:.0f} % of a core")
    print(f"  Bot API calls {calls} ({per_job:.2f} per image), most in flight at the fake "
          f"{waited['most_in_flight']}, errors {waited['errors'] or 'none'}")


def start_profile(pid: int, args) -> subprocess.Popen | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy not installed: no profile", file=sys.stderr)
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--gil",
                             "--output", args.profile + ".raw", "--duration", str(int(args.seconds + 20))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profile(profiler: subprocess.Popen, out: str) -> None:
    profiler.wait()
    from collections import Counter
    own, total = Counter(), Counter()
    for line in Path(out + ".raw").read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    samples = sum(own.values())
    with open(out, "w") as f:
        f.write(f"{samples} samples\n\n-- own time --\n")
        for frame, n in own.most_common(40):
            f.write(f"{100 * n / samples:5.1f}%  {frame}\n")
        f.write("\n-- with callees --\n")
        for frame, n in total.most_common(80):
            f.write(f"{100 * n / samples:5.1f}%  {frame}\n")
    print(f"  profile: {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--latency", default="0.05-0.1", help="seconds the fake Bot API takes per call: 'low-high'")
    parser.add_argument("--sends-per-second", type=float, default=1000.0)
    parser.add_argument("--in-place", choices=("on", "off"), default="on",
                        help="TELEGRAM_RESULT_IN_PLACE: the result replaces a placeholder photo (on) or is a new message")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the last photo")
    parser.add_argument("--profile", default=None, help="write py-spy's top functions of the bot here")
    parser.add_argument("--verbose", action="store_true", help="the bot logs at INFO")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
