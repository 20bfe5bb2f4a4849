"""What `reelbot admin chat-settings` and `/admin chat-settings` answer: the operator's view of
one chat's own /settings (what its admins set, beside the bounds the operator gives it, and its
usage), and their reset, which clears them and the chat's own blocked words, so the operator's
settings alone apply there again. Rights are checked by the caller (bot.admin.AdminDesk);
replies are plain text, for admins, in English like the other admin answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.access import AccessPolicy, Refused
from bot.chats.rules import COMMANDS
from bot.quota import quota_day
from bot.store.chat_settings import ChatSettingsStore
from bot.store.policy import PolicyStore
from bot.words.blocklist import Blocklist

__all__ = ["report", "reset", "chat_key"]

_CHAT = re.compile(r"^(telegram|discord):-?\d+$")
OPERATORS = "the operator's"


def chat_key(text: str) -> str:
    """`telegram:-1001234567890` or `discord:80351110224678912`; Refused for anything else."""
    if not _CHAT.match(text.strip()):
        raise Refused(f"“{text}” names no chat: write telegram:CHAT_ID or discord:SERVER_ID.")
    return text.strip()


def _credits(value: int | None, none: str) -> str:
    return none if value is None else f"{value} credit{'s' if value != 1 else ''}"


async def report(store: ChatSettingsStore, blocklist: Blocklist, access: AccessPolicy, policy: PolicyStore,
                 chat: str, now: float) -> str:
    settings, words = await store.get(chat), await blocklist.chats.words(chat)
    changed = await store.changed_by(chat)
    member_most, chat_most = access.chat_bounds(chat, await policy.snapshot(quota_day(now)))
    used = await store.usage(chat, quota_day(now), quota_day(now - 6 * 86400))
    usage = (f"  used today: {_credits(used.credits_today, '0 credits')} ({used.jobs_today} delivered); last 7 days: "
             f"{_credits(used.credits_week, '0 credits')} ({used.jobs_week} delivered)")
    if changed is None and not words:
        return f"{chat} has no settings of its own: the operator's apply there.\n{usage}"
    commands = "all" if settings.commands is None else \
        ", ".join(f"/{c}" for c in COMMANDS if c in settings.commands) or "none"
    lines = [f"{chat}: what its admins set with /settings (the operator's settings always win)",
             f"  daily budget: {_credits(settings.daily_credits, OPERATORS)} "
             f"(the operator allows: {_credits(chat_most, 'no cap')})",
             f"  per member a day: {_credits(settings.member_daily, OPERATORS)} "
             f"(the operator allows: {_credits(member_most, 'no cap')})",
             f"  commands: {commands}",
             f"  models: {', '.join(settings.models) or 'all'}",
             f"  progress messages: {'shown' if settings.progress else 'hidden'}",
             f"  blocked words of its own ({len(words)}): {', '.join(words) or '-'}"]
    if changed is not None:
        who, at = changed
        lines.append(f"  last changed by {who} on {datetime.fromtimestamp(at, UTC):%Y-%m-%d %H:%M} UTC")
    return "\n".join([*lines, usage])


async def reset(store: ChatSettingsStore, blocklist: Blocklist, actor: str, chat: str, now: float, *,
                key: str | None = None) -> str:
    cleared = await store.reset(actor, chat, now, key=key)
    blocklist.chat_changed(chat)  # its words, if any went, are not looked for any more
    if cleared is None:  # this event reset it before
        return f"{chat}'s own settings are cleared: the operator's apply there."
    settings, words = cleared
    if not settings and not words:
        return f"{chat} had no settings of its own; nothing changed."
    what = " and ".join(part for part in ("its settings" if settings else "",
                                          f"its {words} blocked word{'s' if words != 1 else ''}" if words else "")
                        if part)
    return f"Cleared {chat}'s own {what.removeprefix('its ')}: the operator's settings apply there now."
