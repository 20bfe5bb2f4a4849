"""How fast the live catalog answers Discord's autocomplete, and how fast 302.AI's list loads.

    .venv/bin/python bench/catalog_bench.py [--models 200] [--rounds 5000]

Builds a list of `--models` unified models shaped like 302.AI's (the shipped snapshot's
entries, renamed and varied), then times, inside the bot:
- loading it: JSON text → read_models (prices read, parameters parsed, patterns applied) →
  Catalog.set_unified, as each refresh does (target ≤ 50 ms);
- the /video and /animate `model` autocomplete (adapters.discord.autocomplete) for what members
  type (empty, a prefix, a provider, a miss), and the `duration` one (target p99 ≤ 20 ms; Discord
  allows 3 s).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import time
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5000)
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


if __name__ == "__main__":
    main()
