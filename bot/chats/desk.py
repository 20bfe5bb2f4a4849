"""What a chat's own admins can do for their chat, from `/settings` on either platform.

The adapter says whether the person is an admin of the chat the command came from (Telegram:
`getChatMember`; Discord: Manage Server in the interaction's member permissions) and the desk
refuses everyone else. Every method acts on the chat the command came from and takes no
other: a chat's admin cannot see or touch another chat. Budgets are clamped to what the
operator allows that chat, and the answer says so; the operator's settings are applied again
on every request (bot.access), so lowering them later wins over what a chat stored before.
Every change leaves an audit row naming who made it, keyed on the event that asked for it.
Answers are Texts, rendered by the adapter in the admin's language.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.access import AccessPolicy, Refused
from bot.catalog import Catalog
from bot.chats.adult import matches
from bot.chats.rules import COMMANDS
from bot.domain.requests import Requester
from bot.i18n import Joined, T, Text
from bot.quota import quota_day
from bot.store.chat_settings import ChatSettings, ChatSettingsStore
from bot.store.policy import PolicyStore
from bot.texts import credits_text
from bot.words.blocklist import Blocklist
from bot.words.entries import parse

__all__ = ["ChatDesk", "ChatActor", "NOT_CHAT_ADMIN", "NOT_HERE", "MAX_PATTERNS"]

NOT_CHAT_ADMIN = T("Only this chat's admins can change its settings.")
NOT_HERE = T("Use /settings in the group or server whose settings you want to change.")
MAX_PATTERNS = 20
ALL = ("all", "any", "default")  # words that turn every command or model on again


@dataclass(frozen=True)
class ChatActor:
    who: Requester
    chat_admin: bool  # checked with the platform by the adapter, for the chat `who` is in


class ChatDesk:
    def __init__(self, store: ChatSettingsStore, access: AccessPolicy, policy: PolicyStore, blocklist: Blocklist,
                 catalog: Catalog, clock: Callable[[], float] = time.time):
        self.store, self._access, self._policy, self._blocklist = store, access, policy, blocklist
        self._catalog, self._clock = catalog, clock

    @staticmethod
    def chat_of(actor: ChatActor) -> str:
        """The chat `actor` may act on: their own, and only as its admin (or the operator's)."""
        who = actor.who
        if who.private or who.chat_key is None:
            raise Refused(NOT_HERE)
        if not (actor.chat_admin or who.is_admin):
            raise Refused(NOT_CHAT_ADMIN)
        return who.chat_key

    async def settings(self, actor: ChatActor) -> ChatSettings:
        return await self.store.get(self.chat_of(actor))

    async def view(self, actor: ChatActor) -> Joined:
        """The chat's settings, the operator's bounds on them, and its usage."""
        chat = self.chat_of(actor)
        settings = await self.store.get(chat)
        member_most, chat_most = self._access.chat_bounds(chat, await self._policy.snapshot(quota_day(self._clock())))
        operator = T("no cap") if chat_most is None else credits_text(chat_most)
        lines: list[Text | Joined | str] = [
            T("Settings of this chat"),
            T("Daily budget: {value} (the operator allows: {bound})",
              value=_or_operator(settings.daily_credits), bound=operator),
            T("Per member a day: {value} (the operator allows: {bound})",
              value=_or_operator(settings.member_daily), bound=credits_text(member_most)),
            T("Commands: {value}", value=T("all") if settings.commands is None else
              (", ".join(f"/{c}" for c in COMMANDS if c in settings.commands) or T("none"))),
            T("Models: {value}", value=", ".join(settings.models) or T("all")),
            T("Progress messages: {value}", value=T("shown") if settings.progress else T("hidden")),
            T("Blocked words of its own: {n}", n=len(await self._blocklist.chats.words(chat))),
            await self.usage(actor),
        ]
        return Joined(lines)

    async def budget(self, actor: ChatActor, credits: int | None, *, key: str | None = None) -> Text:
        """The chat's credits a day (None: the operator's alone), clamped to the operator's cap."""
        chat = self.chat_of(actor)
        _, most = self._access.chat_bounds(chat, await self._policy.snapshot(quota_day(self._clock())))
        value, clamped = _clamp(credits, most)
        await self._change(actor, chat, "daily_credits", value, key)
        if value is None:
            return T("This chat's budget is the operator's again.")
        if clamped:
            return T("The operator allows this chat at most {credits} a day, so its budget is {credits}.",
                     credits=credits_text(value))
        return T("This chat's budget is now {credits} a day.", credits=credits_text(value))

    async def member_limit(self, actor: ChatActor, credits: int | None, *, key: str | None = None) -> Text:
        chat = self.chat_of(actor)
        most, _ = self._access.chat_bounds(chat, await self._policy.snapshot(quota_day(self._clock())))
        value, clamped = _clamp(credits, most)
        await self._change(actor, chat, "member_daily", value, key)
        if value is None:
            return T("Members here have the operator's daily credits again.")
        if clamped:
            return T("The operator allows a member at most {credits} a day, so each member here has {credits}.",
                     credits=credits_text(value))
        return T("Each member here may now spend {credits} a day.", credits=credits_text(value))

    async def commands(self, actor: ChatActor, names: Sequence[str], *, key: str | None = None) -> Text:
        chat = self.chat_of(actor)
        wanted = {name.strip().lstrip("/").lower() for name in names if name.strip()}
        if not wanted or wanted & set(ALL):
            await self._change(actor, chat, "commands", None, key)
            return T("Every command is on in this chat again.")
        unknown = sorted(wanted - set(COMMANDS))
        if unknown:
            raise Refused(T("There is no command {name}. Choose from: {commands}.", name=unknown[0],
                            commands=", ".join(COMMANDS)))
        await self._change(actor, chat, "commands", frozenset(wanted), key)
        return T("Only these commands are on in this chat now: {commands}.",
                 commands=", ".join(f"/{c}" for c in COMMANDS if c in wanted))

    async def models(self, actor: ChatActor, patterns: Sequence[str], *, key: str | None = None) -> Text:
        chat = self.chat_of(actor)
        wanted = tuple(dict.fromkeys(p.strip() for p in patterns if p.strip()))
        if not wanted or (len(wanted) == 1 and wanted[0].lower() in ALL):
            await self._change(actor, chat, "models", (), key)
            return T("Every model is allowed in this chat again.")
        if len(wanted) > MAX_PATTERNS or any(len(p) > 64 for p in wanted):
            raise Refused(T("Give at most {n} model names or patterns.", n=MAX_PATTERNS))
        names = [model.name for model in self._catalog]
        for pattern in wanted:
            if not any(matches(name, (pattern,)) for name in names):
                raise Refused(T("No model matches {pattern}. /help lists the models.", pattern=pattern))
        await self._change(actor, chat, "models", wanted, key)
        return T("Only these models are allowed in this chat now: {models}.", models=", ".join(wanted))

    async def progress(self, actor: ChatActor, shown: bool, *, key: str | None = None) -> Text:
        await self._change(actor, self.chat_of(actor), "progress", shown, key)
        return T("Progress messages are shown in this chat.") if shown else \
            T("Progress messages are hidden in this chat; members still get their results.")

    async def words(self, actor: ChatActor, action: str, entries: Sequence[str] = (), *,
                    key: str | None = None) -> Text:
        """This chat's own blocked words: list, add or remove (words or phrases, no patterns)."""
        chat = self.chat_of(actor)
        if action == "list":
            listed = await self._blocklist.chats.words(chat)
            return T("Blocked words of this chat: {words}", words=", ".join(listed)) if listed \
                else T("This chat has no blocked words of its own.")
        entries = [entry.strip() for entry in entries if entry.strip()]
        if action not in ("add", "remove") or not entries:
            raise Refused(T("Say words add or words remove, then the words or phrases, separated by commas."))
        if action == "add":
            checked = parse(entries, patterns_allowed=False)
            if checked.refused:
                raise Refused(T("Not added: {entry} ({reason}).", entry=checked.refused[0].entry,
                                reason=checked.refused[0].reason))
            try:
                done = await self._blocklist.chats.add(actor.who.user_key, chat, entries, self._clock(), key=key)
            except ValueError:
                raise Refused(T("This chat has as many blocked words as it may have.")) from None
        else:
            done = await self._blocklist.chats.remove(actor.who.user_key, chat, entries, self._clock(), key=key)
        self._blocklist.chat_changed(chat)
        if action == "add":
            return T("Blocked in this chat now: {words}.", words=", ".join(done) or "-")
        return T("No longer blocked in this chat: {words}.", words=", ".join(done) or "-")

    async def usage(self, actor: ChatActor) -> Text:
        now = self._clock()
        used = await self.store.usage(self.chat_of(actor), quota_day(now), quota_day(now - 6 * 86400))
        return T("Used here today: {today} ({jobs_today} delivered); last 7 days: {week} ({jobs_week} delivered).",
                 today=credits_text(used.credits_today), jobs_today=used.jobs_today,
                 week=credits_text(used.credits_week), jobs_week=used.jobs_week)

    async def _change(self, actor: ChatActor, chat: str, name: str, value: object, key: str | None) -> None:
        await self.store.change(actor.who.user_key, chat, name, value, _detail(value), self._clock(), key=key)


def _clamp(credits: int | None, most: int | None) -> tuple[int | None, bool]:
    if credits is None:
        return None, False
    if credits < 0:
        raise Refused(T("Credits must be 0 or more."))
    if most is not None and credits > most:
        return most, True
    return credits, False


def _or_operator(value: int | None) -> Text:
    return T("the operator's") if value is None else credits_text(value)


def _detail(value: object) -> str:
    if value is None:
        return "the operator's"
    if isinstance(value, (frozenset, tuple)):
        return ", ".join(sorted(value)) or "all"
    return str(value)
