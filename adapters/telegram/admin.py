"""`/admin …` on Telegram. The core checks the caller's rights; the answer goes to the admin
privately (a direct message), so a group sees neither the command's result nor the report.

    /admin grant <member> <credits> [reason]     /admin ban <member> [reason]   /admin unban <member>
    /admin limit user <member> <credits> [jobs]  /admin limit chat [here|<id>] <credits> [jobs]
    /admin limit tier <name> <credits> [jobs]    /admin usage [today|7d|30d]    /admin jobs [member]
    /admin refund <job id>                       /admin pause [reason]          /admin resume
    /admin words [list|add|remove] [here|<id>] [word, phrase, …]   /admin blocked
    /admin chat-settings [here|<id>|<platform:id>] [reset]     (a chat's own /settings; reset clears them)
    /admin console                               (a one-time login link to the web console)

A member is named by replying to one of their messages, by `@username` (of someone the bot
has seen lately: the HANDLES most recent writers are remembered), or by numeric id. Every
change is keyed on the update that asked for it, so an update handled again (its answer met
flood control, a timeout or a crash) changes nothing the second time.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Message

from adapters.telegram import render
from bot.access import Refused
from bot.admin import NOT_ADMIN
from bot.domain.requests import Requester
from bot.core import Core

__all__ = ["AdminCommands", "USAGE", "HANDLES"]

HANDLES = 10_000  # @usernames remembered: the most recent writers (about 1 MB at most)

USAGE = ("Admin commands: grant, limit, ban, unban, usage, jobs, refund, pause, resume, words, blocked, "
         "chat-settings, console. "
         "E.g. /admin grant @ann 20 birthday, /admin usage 7d. Name a member by replying to "
         "their message, by @username or by numeric id.")


class AdminCommands:
    def __init__(self, core: Core, *, remember: int = HANDLES):
        self._core = core
        # "@username" (lower case) -> numeric user id, least recently seen first: every member
        # who ever wrote would otherwise stay in memory for the life of the process
        self._handles: OrderedDict[str, str] = OrderedDict()
        self._remember = remember

    def saw(self, message: Message) -> None:
        """Remember who wrote, so that `@username` can name them later."""
        user = message.from_user
        if user is not None and user.username:
            handle = f"@{user.username.lower()}"
            self._handles[handle] = str(user.id)
            self._handles.move_to_end(handle)
            while len(self._handles) > self._remember:
                self._handles.popitem(last=False)

    async def run(self, message: Message, text: str, admin: Requester, *, key: str | None = None) -> str:
        """The answer, as HTML; raises Refused (UserError) for what the core refuses."""
        words = text.split()
        if not words:
            return render.esc(USAGE)
        action, args = words[0].lower(), words[1:]
        desk = self._core.admin
        if action in ("usage", "jobs") and not admin.is_admin:
            raise Refused(NOT_ADMIN)
        match action:
            case "grant":
                who, rest = self._member(message, args)
                credits, reason = _number(rest, "credits"), " ".join(rest[1:])
                return render.esc(await desk.grant(admin, who, credits, reason, key=key))
            case "ban":
                who, rest = self._member(message, args)
                return render.esc(await desk.ban(admin, who, " ".join(rest), key=key))
            case "unban":
                who, _ = self._member(message, args)
                return render.esc(await desk.unban(admin, who, key=key))
            case "limit":
                return render.esc(await self._limit(message, args, admin, key))
            case "usage":
                period = args[0] if args else "today"
                return f"<pre>{render.esc((await desk.usage(admin, period)).table())}</pre>"
            case "jobs":
                who = self._member(message, args)[0] if args or message.reply_to_message else None
                return f"<pre>{render.esc(await desk.jobs(admin, who))}</pre>"
            case "refund":
                if not args:
                    raise Refused("Say which job: /admin refund <job id> (see /admin jobs).")
                return render.esc(await desk.refund(admin, args[0], key=key))
            case "pause":
                return render.esc(await desk.pause(admin, " ".join(args), key=key))
            case "resume":
                return render.esc(await desk.resume(admin, key=key))
            case "words":
                return f"<pre>{render.esc(await self._words(message, args, admin, key))}</pre>"
            case "blocked":
                return f"<pre>{render.esc(await desk.blocked(admin))}</pre>"
            case "chat-settings":
                return f"<pre>{render.esc(await self._chat_settings(message, args, admin, key))}</pre>"
            case "console":  # a one-time link to the web console, answered privately like the rest
                from adapters.web import chat_login_link
                return render.esc(await chat_login_link(self._core, admin))
        return render.esc(USAGE)

    async def _limit(self, message: Message, args: list[str], admin: Requester, key: str | None) -> str:
        if not args or args[0] not in ("user", "chat", "tier"):
            raise Refused("Say whose limit: /admin limit user|chat|tier …")
        scope, rest = args[0], args[1:]
        if scope == "user":
            target, rest = self._member(message, rest)
        elif scope == "chat":
            # "here", a group's (negative) id, or nothing: the chat the command was sent in
            if rest and (rest[0] == "here" or rest[0].startswith("-")):
                target = f"telegram:{message.chat_id}" if rest[0] == "here" else f"telegram:{rest[0]}"
                rest = rest[1:]
            else:
                target = f"telegram:{message.chat_id}"
        else:
            if not rest:
                raise Refused("Name the tier: /admin limit tier <name> <credits> [jobs].")
            target, rest = rest[0], rest[1:]
        credits = _number(rest, "credits a day")
        jobs = _number(rest[1:], "jobs at a time") if len(rest) > 1 else None
        return await self._core.admin.limit(admin, scope, target, credits, jobs, key=key)

    async def _words(self, message: Message, args: list[str], admin: Requester, key: str | None = None) -> str:
        """`words` alone: the operator's list; else a chat's (this one, unless `here` or an id
        names one), its words separated by commas, so that a phrase is one entry."""
        if not args:
            return await self._core.admin.words(admin)
        action, rest = args[0].lower(), args[1:]
        chat = f"telegram:{message.chat_id}"
        if rest and (rest[0] == "here" or rest[0].lstrip("-").isdigit()):
            chat = chat if rest[0] == "here" else f"telegram:{rest[0]}"
            rest = rest[1:]
        return await self._core.admin.words(admin, action, chat, " ".join(rest).split(","), key=key)

    async def _chat_settings(self, message: Message, args: list[str], admin: Requester, key: str | None) -> str:
        """This chat's, unless `here`, a Telegram chat id or a platform:id (a Discord server too)
        names one; `reset` last clears them."""
        reset = bool(args) and args[-1].lower() == "reset"
        rest = args[:-1] if reset else args
        chat = f"telegram:{message.chat_id}"
        if rest and rest[0] != "here":
            chat = rest[0] if ":" in rest[0] else f"telegram:{rest[0]}"
        return await self._core.admin.chat_settings(admin, chat, reset=reset, key=key)

    def _member(self, message: Message, args: list[str]) -> tuple[str, list[str]]:
        """The member named by the reply, or by the first argument; and the arguments left."""
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and not (args and _names_someone(args[0])):
            return f"telegram:{replied.from_user.id}", args
        if not args:
            raise Refused("Name the member: reply to their message, or give @username or their numeric id.")
        name = args[0]
        if name.lstrip("-").isdigit():
            return f"telegram:{name}", args[1:]
        found = self._handles.get(name.lower() if name.startswith("@") else f"@{name.lower()}")
        if found is None:
            raise Refused(f"I have not seen {name} yet; reply to one of their messages, or use their numeric id.")
        return f"telegram:{found}", args[1:]


def _names_someone(word: str) -> bool:
    return word.startswith("@") or (word.isdigit() and len(word) >= 5)


def _number(args: list[str], what: str) -> int:
    if not args or not args[0].isdigit():
        raise Refused(f"Give the {what} as a whole number.")
    return int(args[0])
