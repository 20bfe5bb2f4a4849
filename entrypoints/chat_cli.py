"""`reelbot demo` and `reelbot console`: a chat in the terminal (the console adapter), against
the built-in 302.AI simulator (offline, no key) or the real 302.AI."""

from __future__ import annotations

import secrets
import sys
from dataclasses import replace
from pathlib import Path

from bot.ai302.simulator import Simulator
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.jobs.runner import Timing
from bot.logs import setup_logging

__all__ = ["demo", "console"]


async def demo(args, settings: Settings, env) -> int:
    setup_logging("WARNING", [])
    key = "demo-" + secrets.token_hex(8)
    async with Simulator(api_key=key, video_seconds=args.video_seconds) as sim:
        demo = replace(settings, api_key=key, base_url=sim.base_url, db_path=settings.data_dir / "demo.db")
        timing = Timing(min_poll_interval=0.25, max_poll_interval=2.0, retry_base=0.5,
                        expected_seconds=args.video_seconds)
        return await _chat(demo, timing, settings.data_dir / "demo-results", tour=args.tour, demo=True)


async def console(args, settings: Settings, env) -> int:
    if not settings.api_key:
        print("reelbot console talks to the real 302.AI: set AI302_API_KEY (or try: reelbot demo)",
              file=sys.stderr)
        return 2
    setup_logging("WARNING", [settings.api_key])
    return await _chat(settings, None, settings.data_dir / "results")


async def _chat(settings: Settings, timing: Timing | None, out_dir: Path, *, tour: bool = False,
                demo: bool = False) -> int:
    from adapters.console import ConsoleAdapter
    from entrypoints import demo_tour

    core = await bootstrap(settings, timing=timing)
    try:
        console = ConsoleAdapter(core, out_dir)
        await core.start()
        if tour:
            await demo_tour.run_tour(console, core)
            return 0
        await console.run(unified_example=demo_tour.unified_example(core.catalog) if demo else None)
    finally:
        await core.stop()
    return 0
