"""`reelbot admin …`: the admins' chat commands for operators at a terminal.

It opens the bot's existing database beside a running bot (no instance lock: SQLite
serialises the writes; it never creates one, bot.bootstrap.open_desk), and the bot sees each
change on its next request. Users are named by platform and id, as the bot stores them
(`telegram:123456`, `discord:80351110224678912`), or as @name (bot.members). A refusal exits 5.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import re
import sys
import time
from collections.abc import Mapping


from bot.access import Refused
from bot.admin import PERIODS, AdminDesk
from bot.bootstrap import open_desk
from bot.domain.requests import Requester
from bot.config import Settings
from bot.members import is_banned, member_key, seen, why_not_refundable
from bot.store.wallet import Wallets
from bot import shop
from entrypoints import exits

__all__ = ["add_parser", "run_admin"]


def add_parser(sub: argparse._SubParsersAction, where: argparse.ArgumentParser) -> None:
    """`where`: the --data-dir / --database-url flags, taken before or after the action."""
    admin = sub.add_parser("admin", parents=[where],
                           help="operator controls: grant, limit, ban, usage, jobs, refund, pause, words, "
                           "chat-settings")
    cmds = admin.add_subparsers(dest="action", required=True)
    cmds.add_parser = functools.partial(cmds.add_parser, parents=[where])  # type: ignore[method-assign]
    grant = cmds.add_parser("grant", help="give a member extra credits for today")
    grant.add_argument("user", help="platform:id, e.g. telegram:123456, or @name of a member the bot has seen")
    grant.add_argument("credits", type=int)
    grant.add_argument("reason", nargs="*")
    limit = cmds.add_parser("limit", help="credits a day (and jobs at a time) for a user, chat or tier")
    limit.add_argument("scope", choices=("user", "chat", "tier"))
    limit.add_argument("target", help="platform:id for a user or chat; the tier's name")
    limit.add_argument("credits", type=int)
    limit.add_argument("in_flight", type=int, nargs="?")
    ban = cmds.add_parser("ban", help="refuse a member")
    ban.add_argument("user")
    ban.add_argument("reason", nargs="*")
    cmds.add_parser("unban", help="let a banned member back").add_argument("user")
    cmds.add_parser("usage", help="credits and operator spend by user, chat and model").add_argument(
        "period", nargs="?", default="today", choices=tuple(PERIODS))
    cmds.add_parser("jobs", help="recent jobs, of everyone or of one member").add_argument("user", nargs="?")
    cmds.add_parser("refund", help="give a delivered job's credits back to its member").add_argument("job")
    cmds.add_parser("pause", help="refuse new jobs (running ones finish)").add_argument("reason", nargs="*")
    cmds.add_parser("resume", help="accept new jobs again")
    chat = cmds.add_parser("chat-settings", help="a chat's own /settings (budget, limits, commands, models, words, "
                           "progress); --reset clears them")
    chat.add_argument("chat", help="platform:id of a chat or server, e.g. telegram:-1001234567890")
    chat.add_argument("--reset", action="store_true", help="clear them, its blocked words too: the operator's apply")
    words = cmds.add_parser("words", help="blocked words: the operator's list and what it refused, or a chat's words")
    words.add_argument("verb", nargs="?", default="list", choices=("list", "add", "remove"))
    words.add_argument("chat", nargs="?", help="platform:id of a chat or server, e.g. telegram:-1001234567890")
    words.add_argument("entries", nargs="*", help="words or phrases to add or remove (quote a phrase)")
    cmds.add_parser("blocked", help="prompts refused for a blocked word: who, where, what matched").add_argument(
        "count", nargs="?", type=int, default=20)
    model = cmds.add_parser("model", help="switch a model off for new requests (every process at once), or on again")
    model.add_argument("switch", choices=("off", "on", "list"), help="list: the models switched off")
    model.add_argument("name", nargs="?", help="the model's name, as `reelbot models` lists it")
    cmds.add_parser("console-login", help="a one-time link (10 minutes) to the web console").add_argument(
        "--language", choices=("en", "zh"), default=None, help="the console's language (default: the bot's)")
    cmds.add_parser("console-logout", help="list the web console's sessions; --all ends them all").add_argument(
        "--all", action="store_true", help="log every session out and void unused links")
    cmds.add_parser("refund-payment", help="refund a Telegram Stars payment and take its credits back").add_argument(
        "charge", help="the telegram_payment_charge_id (in the log, and in the member's receipt)")


async def run_admin(args: argparse.Namespace, settings: Settings, env: Mapping[str, str]) -> int:
    desk = await open_desk(settings)
    db = desk.db
    try:
        if args.action == "refund-payment":
            from telegram.error import TelegramError  # only here: the other commands need no Telegram

            from adapters.telegram import TelegramConfig
            telegram = TelegramConfig.from_env(env)
            if telegram is None:
                print("reelbot: set TELEGRAM_TOKEN: refunds go through the bot's Telegram account", file=sys.stderr)
                return 2
            try:
                print(await refund_payment(db, telegram.token, telegram.api_base, args.charge))
            except (Refused, TelegramError) as err:
                print(f"reelbot: {err}", file=sys.stderr)
                return 2
            return 0
        if args.action.startswith("console-"):
            print(await _console(db, settings, args))
            return 0
        operator = Requester("cli", getpass.getuser(), is_admin=True)
        try:
            args = await _checked(db, args)
            print(await _found(db, args) or await _act(desk.admin, operator, args))
        except Refused as refused:
            raise exits.Failure(exits.REFUSED, str(refused)) from None
        return 0
    finally:
        await desk.close()


async def _console(db, settings: Settings, args: argparse.Namespace) -> str:
    from adapters.web import login_link  # the web console's, only here
    from bot.store.console_sessions import ConsoleSessions

    if args.action == "console-login":
        return await login_link(db, settings, f"cli:{getpass.getuser()}", args.language or settings.default_language)
    sessions = ConsoleSessions(db)
    if args.all:
        return f"{await sessions.end_all()} console session(s) ended; unused login links voided."
    live = await sessions.live()
    return "\n".join(f"{actor}  since {time.strftime('%Y-%m-%d %H:%M', time.gmtime(start))} UTC, last seen "
                     f"{time.strftime('%H:%M', time.gmtime(seen))}" for actor, start, seen in live) or "No console sessions."


async def refund_payment(db, token: str, api_base: str, charge_id: str) -> str:
    """A Stars payment refunded through the bot's Telegram account (bot.shop.refund_payment
    decides the order and the bookkeeping)."""
    from telegram import Bot
    from telegram.error import TelegramError

    async def refund_stars(user_id: str, charge: str) -> None:
        async with Bot(token, base_url=api_base) as bot:
            try:
                await bot.refund_star_payment(int(user_id), charge)
            except TelegramError as err:
                if "CHARGE_ALREADY_REFUNDED" not in str(err):
                    raise

    return await shop.refund_payment(Wallets(db), charge_id, refund_stars, time.time())


async def _checked(db, args: argparse.Namespace) -> argparse.Namespace:
    """The arguments with every member resolved to its stored key; Refused when one names
    nobody, or when the command would find nothing to do (so that its exit says so)."""
    if getattr(args, "user", None) is not None:
        args.user = await member_key(db, args.user)
        if args.action != "jobs" and not await seen(db, args.user):
            print(f"note: the bot has not seen {args.user} yet; it applies when they first use it", file=sys.stderr)
    if args.action == "limit" and args.scope == "user":
        args.target = await member_key(db, args.target)
    elif args.action == "limit" and args.scope == "chat" and not _CHAT.match(args.target):
        raise Refused(f"“{args.target}” names no chat: write telegram:CHAT_ID or discord:SERVER_ID.")
    if args.action == "refund" and (why := await why_not_refundable(db, args.job)):
        raise Refused(why)
    return args


async def _model(desk: AdminDesk, operator: Requester, args: argparse.Namespace) -> str:
    if args.switch == "list":
        return desk.models_off_text(await desk.models_off(operator))
    if not args.name:
        raise Refused("Name the model: reelbot admin model off NAME.")
    return await desk.switch_model(operator, args.name, args.switch == "on")


_CHAT = re.compile(r"^(telegram|discord):-?\d+$")


async def _found(db, args: argparse.Namespace) -> str | None:
    """What a ban or unban finds already so, said as found; nothing is written then."""
    if args.action in ("ban", "unban") and await is_banned(db, args.user) == (args.action == "ban"):
        return f"{args.user} was already banned; nothing changed." if args.action == "ban" else \
            f"{args.user} was not banned; nothing changed."
    return None


async def _act(desk: AdminDesk, operator: Requester, args: argparse.Namespace) -> str:
    reason = " ".join(getattr(args, "reason", None) or [])
    match args.action:
        case "grant":
            return await desk.grant(operator, args.user, args.credits, reason)
        case "limit":
            return await desk.limit(operator, args.scope, args.target, args.credits, args.in_flight)
        case "ban":
            return await desk.ban(operator, args.user, reason)
        case "unban":
            return await desk.unban(operator, args.user)
        case "usage":
            return (await desk.usage(operator, args.period)).table()
        case "jobs":
            return await desk.jobs(operator, args.user)
        case "refund":
            return await desk.refund(operator, args.job)
        case "pause":
            return await desk.pause(operator, reason)
        case "resume":
            return await desk.resume(operator)
        case "chat-settings":
            return await desk.chat_settings(operator, args.chat, reset=args.reset)
        case "words":
            return await desk.words(operator, args.verb, args.chat, args.entries)
        case "blocked":
            return await desk.blocked(operator, args.count)
        case "model":
            return await _model(desk, operator, args)
    raise AssertionError(args.action)
