"""`reelbot run | demo | console | simulate`: the program's entry points."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import logging
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

from bot import __version__
from bot.ai302.simulator import Simulator
from bot.bootstrap import bootstrap
from bot.config import Settings, SettingsError, load_env
from bot.logs import RedactSecrets, setup_logging
from bot.store.lock import AlreadyRunning
from bot.store.opening import StoreRefused, writable_data_dir
from entrypoints import admin_cli, backups, chat_cli, config_cli, console_web, exits, models_cli
from entrypoints.ops import OpsListener, listeners, parse_listen
from entrypoints.signals import until_signalled

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
                                     "Telegram, powered by 302.AI.", epilog=exits.epilog(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"reelbot {__version__}")
    parser.add_argument("--env-file", default=".env", help="read settings from this file too (default .env)")
    where = _where_parser()
    for flag in ("--data-dir", "--database-url"):  # before the command too: `reelbot --data-dir D admin …`
        parser.add_argument(flag, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[where], help="run the bot for every platform whose token is set")
    run.add_argument("--role", choices=ROLES, default="all",
                     help="all: take commands and run jobs (default); front: take commands only, for "
                          "workers to run; worker: run jobs and deliver through the platforms' REST APIs, "
                          "taking no commands")
    run.add_argument("--i-have-a-backup", action="store_true",
                     help="PostgreSQL: let this start migrate the schema (take a pg_dump first)")
    demo = sub.add_parser("demo", parents=[where], help="try it offline: the console against a built-in simulator")
    demo.add_argument("--video-seconds", type=float, default=2.0, help="how long simulated videos take")
    demo.add_argument("--tour", action="store_true", help="run a few commands by itself (an image, a MiniMax "
                      "video, a video of one of 302.AI's unified models) and exit")
    sub.add_parser("console", parents=[where], help="the console chat against the real 302.AI (needs AI302_API_KEY)")
    sub.add_parser("console-web", parents=[where], help="the operator's web console alone, on REELBOT_CONSOLE_LISTEN "
                   "(default 127.0.0.1:9103), against the bot's database")
    sim = sub.add_parser("simulate", help="run the 302.AI simulator as a server")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8302)
    sim.add_argument("--video-seconds", type=float, default=30.0)
    sim.add_argument("--image-seconds", type=float, default=0.0)
    sim.add_argument("--api-key", default=None, help="the only key accepted (default: any Bearer key)")
    sim.add_argument("--fault", default=None, help="fail every request this way (see the README)")
    admin_cli.add_parser(sub, where)
    models_cli.add_parser(sub, where)
    sub.add_parser("backup", parents=[where], help="copy the live database consistently (safe while the bot "
                   "runs)").add_argument("path", type=Path, help="where the copy goes, e.g. backups/reelbot-2026-11-22.db")
    sub.add_parser("restore", parents=[where], help="put a backup in place of the database (the bot stopped); "
                   "the backup is checked first").add_argument("path", type=Path, help="the backup file")
    config_cli.add_parser(sub, where)
    args = parser.parse_args(argv)

    env = load_env(args.env_file)
    if getattr(args, "data_dir", None):
        env["REELBOT_DATA_DIR"] = args.data_dir
    if getattr(args, "database_url", None):
        env["REELBOT_DATABASE_URL"] = args.database_url
    if getattr(args, "i_have_a_backup", False):
        env["REELBOT_PG_MIGRATE"] = "yes"
    log_format = "json" if env.get("REELBOT_LOG_FORMAT", "").strip().lower() == "json" else "text"
    debug = env.get("REELBOT_LOG_LEVEL", "").strip().upper() == "DEBUG"
    try:
        config_cli.refuse_unknown(env)
        settings = Settings.from_env(env)
    except exits.Failure as failure:
        return exits.report(failure.message, failure.code, log_format)
    except SettingsError as err:
        return exits.report(str(err), exits.CONFIG, log_format)
    handlers = {"config": config_cli.config_command, "run": _run, "demo": chat_cli.demo, "console": chat_cli.console, "simulate": _simulate,
                "admin": admin_cli.run_admin, "backup": backups.backup_command,
                "restore": backups.restore_command, "models": models_cli.models_command,
                "console-web": console_web.console_web_command}
    # an error's text may quote a URL or a header: the secrets go, as from every log line
    redact = RedactSecrets([settings.api_key, settings.database_url or "", env.get("TELEGRAM_TOKEN", ""),
                            env.get("DISCORD_TOKEN", "")]).redact
    try:
        return asyncio.run(handlers[args.command](args, settings, env))
    except KeyboardInterrupt:
        return exits.INTERRUPTED
    except exits.Failure as failure:
        return exits.report(redact(failure.message), failure.code, log_format)
    except (AlreadyRunning, SettingsError, ValueError) as err:  # another process on the data; a price for no model
        return exits.report(redact(str(err)), exits.CONFIG, log_format)
    except StoreRefused as err:  # no database, a newer schema, a migration without a backup
        return exits.report(redact(str(err)), exits.DATA, log_format)
    except Exception as err:
        if debug:
            raise
        return exits.report(redact(f"stopped by an unexpected error: {type(err).__name__}: {err} "
                                   "(REELBOT_LOG_LEVEL=DEBUG shows where)"), exits.STOPPED, log_format)


def _where_parser() -> argparse.ArgumentParser:
    """--data-dir and --database-url, which every command that opens the database takes."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--data-dir", default=argparse.SUPPRESS,
                       help="the bot's data directory (REELBOT_DATA_DIR; default ./reelbot-data)")
    where.add_argument("--database-url", default=argparse.SUPPRESS,
                       help="a PostgreSQL store instead (REELBOT_DATABASE_URL)")
    return where


async def _simulate(args, settings: Settings, env) -> int:
    setup_logging(settings.log_level, [])
    sim = Simulator(api_key=args.api_key, video_seconds=args.video_seconds,
                    image_seconds=args.image_seconds, fault=args.fault)
    url = await sim.start(args.host, args.port)
    print(f"302.AI simulator listening on {url} (Ctrl-C to stop)", flush=True)
    try:
        await until_signalled()
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
        raise exits.Failure(exits.CONFIG, str(err)) from None
    if telegram is None and discord is None:
        raise exits.Failure(exits.CONFIG, NO_ADAPTER)
    if args.role == "worker":  # the platforms' sending side only: no gateway, no getUpdates, no webhook
        telegram = replace(telegram, receive="off") if telegram is not None else None
        discord = replace(discord, gateway=False) if discord is not None else None
    elif args.role == "front" and discord is None and telegram is not None and telegram.receive_mode == "off":
        raise exits.Failure(exits.CONFIG, "a front process takes commands, but TELEGRAM_RECEIVE=off and "
                            "DISCORD_TOKEN is unset.")
    if not settings.api_key:
        raise exits.Failure(exits.CONFIG, "set AI302_API_KEY to your 302.AI API key.")
    for value in (settings.http_listen, settings.callback_listen):
        if value:
            parse_listen(value)  # a malformed address ends the start here, before any session
    tokens = [settings.api_key] + [c.token for c in (telegram, discord) if c is not None]
    setup_logging(settings.log_level, tokens, settings.log_format)
    log.info("reelbot %s starting (%s)", __version__, args.role)
    writable_data_dir(settings)  # StoreRefused (exit 3) before any platform session
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()  # what the imports made lives as long as the process: no collection need visit it

    try:
        core = await bootstrap(settings, runs_jobs=args.role != "front")
    except (OSError, sqlite3.DatabaseError) as err:
        raise exits.Failure(exits.DATA, f"cannot open the database {settings.database}: {err}") from None
    started: list[OpsListener] = []
    console = console_web.ConsoleService(settings) if settings.console_listen else None
    adapters = []
    try:
        if telegram is not None:
            from adapters.telegram import TelegramAdapter
            adapters.append(TelegramAdapter(core, telegram))
        if discord is not None:
            from adapters.discord import DiscordAdapter
            adapters.append(DiscordAdapter(core, discord))
        # bound before any platform session starts: a taken port ends the start here,
        # and /healthz answers "starting" while the platforms are reached
        platforms = {type(a).__name__.removesuffix("Adapter").lower(): a for a in adapters}
        for listener in listeners(core, platforms, settings.http_listen, settings.callback_listen):
            try:
                await listener.start()
            except OSError as err:
                raise exits.Failure(exits.LISTEN, f"cannot listen on {listener.setting}: "
                                    f"{err.strerror or err}") from None
            started.append(listener)
        if console is not None:
            await console.start()
        try:
            await _start_together(adapters)
        except (SettingsError, TelegramStartError) as err:
            # both name the setting to fix and never carry the token itself
            raise exits.Failure(exits.CONFIG, str(err)) from None
        except OSError as err:
            if err.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
                raise
            raise exits.Failure(exits.LISTEN, f"cannot listen for Telegram's webhook: {err.strerror}") from None
        await core.start()
        for listener in started:
            listener.started()
        log.info("reelbot is running (%s)%s; Ctrl-C to stop", ", ".join(type(a).__name__ for a in adapters),
                 "" if args.role == "all" else f" as a {args.role}")
        return await _serve(adapters)
    finally:
        # jobs first, while the platforms are still connected, so that no upload is cut off
        for listener in started:
            await listener.stop()
        if console is not None:
            await console.stop()
        await core.stop_jobs()
        for adapter in reversed(adapters):
            with contextlib.suppress(Exception):
                await adapter.stop()
        await core.stop()


async def _start_together(adapters) -> None:
    """Start every platform at once: one out of reach (and waited for) must not hold the others
    back. The first that fails for good stops the others' starts, and its error is raised."""
    starts = [asyncio.create_task(adapter.start(), name=f"start-{type(adapter).__name__}") for adapter in adapters]
    try:
        await asyncio.gather(*starts)
    except BaseException:
        for start in starts:
            start.cancel()
        await asyncio.gather(*starts, return_exceptions=True)
        raise


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
    signalled = asyncio.create_task(until_signalled())
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


if __name__ == "__main__":
    sys.exit(main())
