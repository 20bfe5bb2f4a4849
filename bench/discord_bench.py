"""Slash commands through the real Discord adapter: how many a second are accepted, and how
long a member waits for the bot's answer, at a given offered rate.

    .venv/bin/python bench/discord_bench.py [--rates 20,200,500] [--seconds 4]

discord.py talks to the fake Discord from tests/ (REST and gateway on loopback, in this
process); the core runs against the 302.AI simulator in its own process. Each /image comes
from its own member. Two waits are measured from the moment the fake dispatched the
interaction on the gateway: until the interaction's callback (Discord's 3-second deadline:
the member sees "reelbot is thinking…") and until the status message reads "Queued" (what
the member actually reads). Interaction callbacks and their webhook edits are not bound by
Discord's global rate limit, so no limit is lifted here.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # discord.py imports audioop for voice, which reelbot does not use

from adapters.discord import DiscordAdapter, DiscordConfig  # noqa: E402
from bench.simproc import start_simulator  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.jobs.runner import Timing  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from tests.discord.fake_discord import FakeDiscord, FakeInteraction  # noqa: E402
from tests.discord.discord_helpers import fields  # noqa: E402

KEY = "sk-bench-0123456789abcdef"


def queued_at(interaction: FakeInteraction) -> float | None:
    """When the interaction's status message first read "Queued" (monotonic), if it has."""
    original = interaction.original
    if original is None:
        return None
    for body, at in zip(original.history, original.history_at):
        if any(fields(embed).get("Status") == "Queued" for embed in body.get("embeds") or []):
            return at
    return None


async def one_rate(sim: str, rate: int, seconds: float) -> None:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(api_key=KEY, base_url=sim, data_dir=Path(tmp), daily_credits=10**6,
                            max_in_flight=10**6, bot_daily_mptc=0)
        core = await bootstrap(settings, timing=Timing(expected_seconds=600))
        config = DiscordConfig(token=fake.token, data_dir=Path(tmp) / "discord", api_base=fake.api_base,
                               gateway_url=fake.gateway_url, guild_ready_timeout=0.05)
        adapter = DiscordAdapter(core, config)
        await adapter.start()
        await core.start()
        total = int(rate * seconds)
        for n in range(total):
            fake.add_user(f"m{n}")
        sent: list[FakeInteraction] = []
        cpu, started = time.process_time(), time.perf_counter()
        for n in range(total):
            if (wait := started + n / rate - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            sent.append(await fake.invoke("image", user=f"m{n}", prompt=f"a fox, take {n}"))
        offered = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(queued_at(i) for i in sent):
            await asyncio.sleep(0.05)
        done = time.perf_counter() - started
        jobs = (await core._store.db.fetchone("SELECT COUNT(*) AS n FROM jobs"))["n"]
        answered = sorted(i.answered_at - i.received_at for i in sent if i.answered_at)
        queued = sorted(at - i.received_at for i in sent if (at := queued_at(i)))
        late = sum(1 for wait in answered if wait > 3.0)
        p = (lambda waits, q: waits[min(len(waits) - 1, int(q * len(waits)))] if waits else float("nan"))
        print(f"offered {rate}/s for {seconds:g} s ({total} commands in {offered:.1f} s): {jobs} jobs "
              f"({jobs / offered:,.0f}/s while offered); callback p50 {p(answered, 0.5):.2f} s, "
              f"p99 {p(answered, 0.99):.2f} s ({late} past Discord's 3 s); 'Queued' shown {len(queued)} within "
              f"{done:.1f} s, p50 {p(queued, 0.5):.2f} s, p99 {p(queued, 0.99):.2f} s; "
              f"CPU of this process {1000 * (time.process_time() - cpu) / total:.1f} ms a command "
              f"(the fake Discord's share included)", flush=True)
        await core.stop_jobs()
        await adapter.stop()
        await core.stop()
    await fake.close()
    if fake.problems:
        print(f"  the fake Discord saw things real Discord would refuse: {fake.problems[:3]}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="20,200,500")
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    sim_proc, sim = start_simulator(KEY, 600.0)
    print(f"discord.py {discord.__version__} against the fake Discord", flush=True)
    try:
        for rate in (int(r) for r in args.rates.split(",")):
            await one_rate(sim, rate, args.seconds)
    finally:
        sim_proc.terminate()
        sim_proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
