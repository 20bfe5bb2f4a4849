"""How fast the live catalog answers Discord's autocomplete, and how fast 302.AI's list loads.

    .venv/bin/python bench/catalog_bench.py [--models 200] [--rounds 5000] [--discord-rounds 1000]

Builds a list of `--models` unified models shaped like 302.AI's (the shipped snapshot's
entries, renamed and varied), then times, inside the bot:
- loading it: JSON text → read_models (prices read, parameters parsed, patterns applied) →
  Catalog.set_unified, as each refresh does (target ≤ 50 ms);
- the /video and /animate `model` autocomplete (adapters.discord.autocomplete) for what members
  type (empty, a prefix, a provider, a miss), and the `duration` one (target p99 ≤ 20 ms; Discord
  allows 3 s);
- the same through the Discord adapter's autocomplete callbacks as Discord reaches them: the
  fake Discord from tests/ dispatches each autocomplete interaction on its gateway, real
  discord.py parses it and calls the callback the adapter registered, whose choices go back
  as the interaction's HTTP callback. The round trip is timed (the fake's own work on loopback
  included, so it is an upper bound of the bot's); the bot's catalog is the one it read at
  start from the 302.AI simulator (in this process), serving the same `--models` entries.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.discord.autocomplete import value_choices, video_model_choices  # noqa: E402
from bot.catalog import Catalog, default_models  # noqa: E402
from bot.catalog.feed import shipped_entries  # noqa: E402
from bot.catalog.unified import Pricing, read_models  # noqa: E402
from bot.domain.requests import Command  # noqa: E402


def entries(count: int) -> list[dict]:
    base = [e for e in shipped_entries() if e["model_name"] not in ("vidu-template", "kling-extend")]
    out = []
    for i in range(count):
        entry = copy.deepcopy(base[i % len(base)])
        entry["model_name"] = f"{entry['model_name']}-v{i}"
        out.append(entry)
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def through_discord(models: list[dict], rounds: int) -> None:
    """Autocomplete through discord.py and the adapter's callbacks, against the fake Discord."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
        from adapters.discord import DiscordAdapter, DiscordConfig
    from bot.ai302.simulator import Simulator
    from bot.bootstrap import bootstrap
    from bot.config import Settings
    from tests.discord.fake_discord import FakeDiscord

    key = "sk-bench-0123456789abcdef"
    logging.getLogger("bot.catalog.feed").setLevel(logging.ERROR)  # the unpriced copies are expected
    async with Simulator(api_key=key) as sim:
        sim.unified.models = models
        fake = FakeDiscord()
        await fake.start()
        with tempfile.TemporaryDirectory() as tmp:
            core = await bootstrap(Settings(api_key=key, base_url=sim.base_url, data_dir=Path(tmp)))
            adapter = DiscordAdapter(core, DiscordConfig(
                token=fake.token, data_dir=Path(tmp) / "discord", api_base=fake.api_base,
                gateway_url=fake.gateway_url, guild_ready_timeout=0.05))
            await adapter.start()
            try:
                names = [m.name for m in core.catalog.unified()]
                rng = random.Random(7)
                typed = ["", "k", "kling", "google-veo3", "sora", "runway", "pixverse-v5-v1", "Google", "zzz", "v1"]
                timings: dict[str, list[float]] = {"model": [], "duration": []}
                answered = 0
                for _ in range(rounds):
                    command = rng.choice(("video", "animate"))
                    started = time.perf_counter()
                    answered += bool(await fake.autocomplete(command, "model", model=rng.choice(typed)))
                    timings["model"].append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    await fake.autocomplete(command, "duration", model=rng.choice(names), duration="")
                    timings["duration"].append((time.perf_counter() - started) * 1000)
                print(f"through discord.py and the adapter's callbacks ({len(names)} unified models in the bot's "
                      f"catalog, {answered} model answers with choices):")
                for option, values in timings.items():
                    print(f"  autocomplete {option}: {rounds} round trips, p50 {statistics.median(values):.2f} ms, "
                          f"p99 {percentile(values, 0.99):.2f} ms, max {max(values):.2f} ms")
            finally:
                await adapter.stop()
                await core.stop()
        await fake.close()
        if fake.problems:
            print(f"  the fake Discord saw things real Discord would refuse: {fake.problems[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--discord-rounds", type=int, default=1000, help="0: skip the round trips through discord.py")
    args = parser.parse_args()
    text = json.dumps({"total": args.models, "models": entries(args.models)})
    pricing = Pricing({}, {}, 10, "")
    catalog = Catalog(default_models(), unified_later=True)

    loads = []
    for _ in range(50):
        started = time.perf_counter()
        models, unpriced = read_models(json.loads(text)["models"], pricing)
        catalog.set_unified(models, unpriced)
        loads.append((time.perf_counter() - started) * 1000)
    print(f"catalog of {args.models} models ({len(models)} offered, {len(unpriced)} unpriced), "
          f"{len(text) / 1024:.0f} KiB: load+validate p50 {statistics.median(loads):.2f} ms, "
          f"p99 {percentile(loads, 0.99):.2f} ms")

    rng = random.Random(7)
    typed = ["", "k", "kling", "google-veo3", "sora", "runway", "pixverse-v5-v1", "Google", "zzz", "v1"]
    names = [m.name for m in models]
    timings = {"model": [], "duration": []}
    for _ in range(args.rounds):
        command = rng.choice((Command.VIDEO, Command.ANIMATE))
        started = time.perf_counter()
        video_model_choices(catalog, command, rng.choice(typed))
        timings["model"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        value_choices(catalog, command, rng.choice(names), "duration", "")
        timings["duration"].append((time.perf_counter() - started) * 1000)
    for option, values in timings.items():
        print(f"autocomplete {option}: {args.rounds} answers, p50 {statistics.median(values):.3f} ms, "
              f"p99 {percentile(values, 0.99):.3f} ms, max {max(values):.3f} ms")
    if args.discord_rounds:
        asyncio.run(through_discord(entries(args.models), args.discord_rounds))


if __name__ == "__main__":
    main()
