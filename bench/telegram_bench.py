"""Commands through the real Telegram adapter: how many a second are accepted, and how long a
member waits for the "Queued" reply, at a given offered rate.

    .venv/bin/python bench/telegram_bench.py [--rates 20,200,1000] [--seconds 5] [--sends-per-second 30]
                                             [--languages en,zh] [--rounds 2]

python-telegram-bot long-polls the fake Bot API from tests/ (on loopback, in this process);
the core runs against the 302.AI simulator in its own process. Each command comes from its
own member, in one of 50 groups or (--chats private) in their own private chat. --sends-per-second is the bot's own send limit (Telegram
allows 30 messages a second to ordinary bots; raise it to measure the adapter itself).
--chats group measures Telegram's budget in one busy group (a burst, then a steady rate;
--time-scale shortens it) and --chats private --served the images per second served at the
default 30 messages a second, both against a fake that enforces Telegram's budgets (see
bench/telegram_budget_bench.py); --in-place sends one message per job that becomes the result.
--languages runs each rate once per member language (their app's language_code), one after
the other in the same process, so the cost of localized replies shows side by side; --rounds
repeats that, alternating, to show the noise between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.telegram import TelegramAdapter, TelegramConfig  # noqa: E402
from bench.simproc import start_simulator  # noqa: E402
from bench.telegram_budget_bench import group_run, private_served, video_edits  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.jobs.runner import Timing  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotApi  # noqa: E402

KEY = "sk-bench-0123456789abcdef"
TOKEN = "7000001:AAHbenchTOKEN-0123456789abcdefghij"


# what a member's Telegram app sends as language_code, and the words their "Queued" reply starts with
LANGUAGE_CODES = {"en": ("en", "⏳ Queued your image"), "zh": ("zh-hans", "⏳ 已将你的图片加入队列")}


async def one_rate(sim: str, rate: int, seconds: float, sends: float, private: bool, language: str) -> None:
    language_code, queued = LANGUAGE_CODES[language]
    fake = FakeBotApi(TOKEN)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(api_key=KEY, base_url=sim, data_dir=Path(tmp), daily_credits=10**6,
                            max_in_flight=10**6, bot_daily_mptc=0, max_concurrent_requests=8)
        core = await bootstrap(settings, timing=Timing(expected_seconds=600))
        config = TelegramConfig(token=TOKEN, api_base=fake.base_url, file_api_base=fake.base_file_url,
                                sends_per_second=sends, poll_timeout=1.0)
        adapter = TelegramAdapter(core, config)
        await adapter.start()
        await core.start()
        groups = [fake.group_chat(-1001000000000 - g) for g in range(50)]
        sent: list[tuple[dict, float]] = []
        started = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            due = started + i / rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            member = fake.user(10_000 + i, f"M{i}", language_code=language_code)
            chat = fake.private_chat(member) if private else groups[i % 50]
            message = await fake.send_text(member, chat, f"/image@{fake.username} a fox, take {i}")
            sent.append((message, time.perf_counter()))
        offered = time.perf_counter() - started
        waits = await queued_waits(fake, sent)
        replies = [fake.reply_with(message, "text") for message, _ in sent]
        # replies not in the member's language (there should be none)
        wrong = sum(not fake.versions(reply)[0].startswith(queued) for reply in replies if reply is not None)
        done = time.perf_counter() - started
        jobs = (await core._store.db.fetchone("SELECT COUNT(*) AS n FROM jobs"))["n"]
        p = (lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] if waits else float("nan"))
        where = "private chats" if private else "50 groups"
        print(f"[{language}] {where}, offered {rate}/s for {seconds:g} s ({total} commands in {offered:.1f} s), sends {sends:g}/s: "
              f"{jobs} jobs ({jobs / offered:,.0f}/s while offered); 'Queued' replies {len(waits)} within "
              f"{done:.1f} s ({wrong} not in {language}), wait p50 {p(0.5):.2f} s, p99 {p(0.99):.2f} s", flush=True)
        await core.stop_jobs()
        await adapter.stop()
        await core.stop()
    await fake.close()


async def queued_waits(fake: FakeBotApi, sent: list[tuple[dict, float]], timeout: float = 120) -> list[float]:
    """Seconds from each command to the bot's text reply to it ("Queued"), sorted; commands
    still unanswered after `timeout` are left out."""
    waits, pending, deadline = [], list(sent), time.perf_counter() + timeout
    while pending and time.perf_counter() < deadline:
        still = []
        for message, at in pending:
            reply = fake.reply_with(message, "text")
            if reply is None:
                still.append((message, at))
            else:
                waits.append(reply_time(fake, reply) - at)
        pending = still
        if pending:
            await asyncio.sleep(0.05)
    return sorted(waits)


def reply_time(fake: FakeBotApi, reply: dict) -> float:
    # when the fake stored the bot's reply (sendMessage), on the perf_counter clock
    return fake.reply_clock.get((reply["chat"]["id"], reply["message_id"]), time.perf_counter())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="20,200,1000")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--sends-per-second", type=float, default=30.0)
    parser.add_argument("--chats", choices=("groups", "private", "group"), default="groups",
                        help="50 groups (20 messages a minute each, Telegram's limit), a private chat per member, "
                             "or one busy group (Telegram's budget enforced)")
    parser.add_argument("--served", action="store_true",
                        help="with --chats private: images per second served, Telegram's budget enforced")
    parser.add_argument("--videos", type=int, default=0,
                        help="status edits per video for this many /video (each takes --video-seconds)")
    parser.add_argument("--video-seconds", type=float, default=600.0, help="how long the simulator takes per video")
    parser.add_argument("--in-place", action="store_true", help="one message per job (TELEGRAM_RESULT_IN_PLACE)")
    parser.add_argument("--burst", type=int, default=300, help="--chats group: commands in the burst")
    parser.add_argument("--per-minute", type=float, default=15, help="--chats group: the steady rate")
    parser.add_argument("--minutes", type=float, default=10, help="--chats group: how long the steady rate runs")
    parser.add_argument("--time-scale", type=float, default=1,
                        help="--chats group: run N times faster (the group's minute is 60/N s)")
    parser.add_argument("--languages", default="en",
                        help=f"comma-separated member languages, each run in turn ({', '.join(LANGUAGE_CODES)})")
    parser.add_argument("--rounds", type=int, default=1, help="how many times to run every language, alternating")
    args = parser.parse_args()
    sim_proc, sim = start_simulator(KEY, args.video_seconds)
    try:
        languages = [language.strip() for language in args.languages.split(",")]
        if unknown := set(languages) - set(LANGUAGE_CODES):
            parser.error(f"unknown language(s): {', '.join(sorted(unknown))}")
        if args.videos:
            await video_edits(sim, videos=args.videos, in_place=args.in_place)
            return
        if args.chats == "group":
            await group_run(sim, burst=args.burst, per_minute=args.per_minute, minutes=args.minutes,
                            scale=args.time_scale, in_place=args.in_place)
            return
        if args.served:
            for rate in (float(r) for r in args.rates.split(",")):
                await private_served(sim, rate=rate, seconds=args.seconds, in_place=args.in_place)
            return
        for rate in (int(r) for r in args.rates.split(",")):
            for _ in range(args.rounds):
                for language in languages:
                    await one_rate(sim, rate, args.seconds, args.sends_per_second, args.chats == "private",
                                   language)
    finally:
        sim_proc.terminate()
        sim_proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
