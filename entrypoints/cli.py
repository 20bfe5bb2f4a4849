"""`reelbot run | demo | console | simulate`: the program's entry points."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import secrets
import signal
import sys
from dataclasses import replace
from pathlib import Path

from entrypoints import admin_cli
from entrypoints.ops import OpsListener
from bot.ai302.simulator import Simulator
from bot.config import Settings, SettingsError, load_env
from bot.jobs.runner import Timing
from bot.logs import setup_logging
from bot.store.backup import backup
from bot.store.lock import AlreadyRunning
from bot.bootstrap import bootstrap

__all__ = ["main"]

log = logging.getLogger("reelbot")

NO_ADAPTER = """\
reelbot run needs at least one chat platform. Set one or both of:
  DISCORD_TOKEN    a Discord bot token (https://discord.com/developers/applications)
  TELEGRAM_TOKEN   a Telegram bot token (from @BotFather)
and AI302_API_KEY, your 302.AI key. They can go in a .env file in this directory.
To try reelbot without any of them: reelbot demo"""


ROLES = ("all", "front", "worker")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reelbot", description="AI video and image bot for Discord and "
                                     "Telegram, powered by 302.AI.")
    parser.add_argument("--env-file", default=".env", help="read settings from this file too (default .env)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot for every platform whose token is set")
    run.add_argument("--role", choices=ROLES, default="all",
                     help="all: take commands and run jobs (default); front: take commands only, for "
                          "workers to run; worker: run jobs and deliver through the platforms' REST APIs, "
                          "taking no commands")
    demo = sub.add_parser("demo", help="try it offline: the console against a built-in simulator")
    demo.add_argument("--video-seconds", type=float, default=2.0, help="how long simulated videos take")
    sub.add_parser("console", help="the console chat against the real 302.AI (needs AI302_API_KEY)")
    sim = sub.add_parser("simulate", help="run the 302.AI simulator as a server")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8302)
    sim.add_argument("--video-seconds", type=float, default=30.0)
    sim.add_argument("--image-seconds", type=float, default=0.0)
    sim.add_argument("--api-key", default=None, help="the only key accepted (default: any Bearer key)")
    sim.add_argument("--fault", default=None, help="fail every request this way (see the README)")
    admin_cli.add_parser(sub)
    sub.add_parser("backup", help="copy the live database consistently (safe while the bot runs)").add_argument(
        "path", type=Path, help="where the copy goes, e.g. backups/reelbot-2026-11-22.db")
    args = parser.parse_args(argv)

    env = load_env(args.env_file)
    try:
        settings = Settings.from_env(env)
    except SettingsError as err:
        print(f"reelbot: {err}", file=sys.stderr)
        return 2
    handlers = {"run": _run, "demo": _demo, "console": _console, "simulate": _simulate,
                "admin": admin_cli.run_admin, "backup": _backup}
    try:
        return asyncio.run(handlers[args.command](args, settings, env))
    except KeyboardInterrupt:
        return 130
    except (AlreadyRunning, ValueError) as err:  # another process on the data; a price for no model
        print(f"reelbot: {err}", file=sys.stderr)
        return 2


async def _demo(args, settings: Settings, env) -> int:
    setup_logging("WARNING", [])
    key = "demo-" + secrets.token_hex(8)
    async with Simulator(api_key=key, video_seconds=args.video_seconds) as sim:
        demo = replace(settings, api_key=key, base_url=sim.base_url, db_path=settings.data_dir / "demo.db")
        timing = Timing(min_poll_interval=0.25, max_poll_interval=2.0, retry_base=0.5,
                        expected_seconds=args.video_seconds)
        return await _chat(demo, timing, settings.data_dir / "demo-results")


async def _console(args, settings: Settings, env) -> int:
    if not settings.api_key:
        print("reelbot console talks to the real 302.AI: set AI302_API_KEY (or try: reelbot demo)",
              file=sys.stderr)
        return 2
    setup_logging("WARNING", [settings.api_key])
    return await _chat(settings, None, settings.data_dir / "results")


async def _chat(settings: Settings, timing: Timing | None, out_dir: Path) -> int:
    from adapters.console import ConsoleAdapter

    core = await bootstrap(settings, timing=timing)
    try:
        console = ConsoleAdapter(core, out_dir)
        await core.start()
        await console.run()
    finally:
        await core.stop()
    return 0


async def _backup(args, settings: Settings, env) -> int:
    if settings.database_url:
        print("reelbot: the store is PostgreSQL; back it up with pg_dump (see README, Backups)", file=sys.stderr)
        return 2
    if not settings.database.exists():
        print(f"reelbot: no database at {settings.database}", file=sys.stderr)
        return 2
    verdict = await asyncio.to_thread(backup, settings.database, args.path)
    print(f"backed up {settings.database} to {args.path}: integrity {verdict}")
    return 0 if verdict == "ok" else 1


async def _simulate(args, settings: Settings, env) -> int:
    setup_logging(settings.log_level, [])
    sim = Simulator(api_key=args.api_key, video_seconds=args.video_seconds,
                    image_seconds=args.image_seconds, fault=args.fault)
    url = await sim.start(args.host, args.port)
    print(f"302.AI simulator listening on {url} (Ctrl-C to stop)", flush=True)
    try:
        await _until_signalled()
    finally:
        await sim.stop()
    return 0


async def _run(args, settings: Settings, env) -> int:
    from adapters.discord import DiscordConfig
    from adapters.telegram import TelegramConfig, TelegramStartError

    try:
        telegram = TelegramConfig.from_env(env)
        discord = DiscordConfig.from_env(env, settings.data_dir)
    except SettingsError as err:
        print(f"reelbot: {err}", file=sys.stderr)
        return 2
    if telegram is None and discord is None:
        print(NO_ADAPTER, file=sys.stderr)
        return 2
    if args.role == "worker":  # the platforms' sending side only: no gateway, no getUpdates, no webhook
        telegram = replace(telegram, receive="off") if telegram is not None else None
        discord = replace(discord, gateway=False) if discord is not None else None
    elif args.role == "front" and discord is None and telegram is not None and telegram.receive_mode == "off":
        print("reelbot: a front process takes commands, but TELEGRAM_RECEIVE=off and DISCORD_TOKEN is unset.",
              file=sys.stderr)
        return 2
    if not settings.api_key:
        print("reelbot: set AI302_API_KEY to your 302.AI API key.", file=sys.stderr)
        return 2
    tokens = [settings.api_key] + [c.token for c in (telegram, discord) if c is not None]
    setup_logging(settings.log_level, tokens, settings.log_format)
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()  # what the imports made lives as long as the process: no collection need visit it

    core = await bootstrap(settings, runs_jobs=args.role != "front")
    listener: OpsListener | None = None
    adapters = []
    if telegram is not None:
        from adapters.telegram import TelegramAdapter
        adapters.append(TelegramAdapter(core, telegram))
    if discord is not None:
        from adapters.discord import DiscordAdapter
        adapters.append(DiscordAdapter(core, discord))
    try:
        for adapter in adapters:
            await adapter.start()
        await core.start()
        if settings.http_listen:
            listener = OpsListener(core, {type(a).__name__.removesuffix("Adapter").lower(): a for a in adapters},
                                   settings.http_listen)
            await listener.start()
        log.info("reelbot is running (%s)%s; Ctrl-C to stop", ", ".join(type(a).__name__ for a in adapters),
                 "" if args.role == "all" else f" as a {args.role}")
        return await _serve(adapters)
    except (SettingsError, TelegramStartError) as err:
        # both name the setting to fix and never carry the token itself
        print(f"reelbot: {err}", file=sys.stderr)
        return 2
    finally:
        # jobs first, while the platforms are still connected, so that no upload is cut off
        if listener is not None:
            await listener.stop()
        await core.stop_jobs()
        for adapter in reversed(adapters):
            with contextlib.suppress(Exception):
                await adapter.stop()
        await core.stop()


# Python's default (700, 10, 10) collects the youngest objects every 700 allocations, and so
# sweeps the whole heap every few hundred commands during a burst, while thousands of jobs wait
# for a 302.AI slot (each a task with its coroutines): at 800 /image a second through Discord
# that was a quarter of the process's CPU, in full collections of ~0.1 s each during which no
# command was answered (bench/discord_bench.py). Collecting young objects every 10,000
# allocations keeps nearly all of that away; the garbage cycles waiting meanwhile are small.
GC_THRESHOLDS = (10_000, 10, 10)


async def _serve(adapters) -> int:
    """Until a signal (exit 0) or a platform closing the connection for good (exit 1, so that
    systemd or Docker restarts the bot instead of leaving it silently offline)."""
    signalled = asyncio.create_task(_until_signalled())
    closed = [asyncio.create_task(a.wait_closed()) for a in adapters if hasattr(a, "wait_closed")]
    done, pending = await asyncio.wait([signalled, *closed], return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if signalled in done:
        return 0
    for task in done:
        if task.exception() is not None:
            log.error("a platform connection ended: %s", task.exception())
    return 1


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    sys.exit(main())
