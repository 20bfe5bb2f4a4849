"""What `reelbot admin words|blocked` and `/admin words|blocked` answer: a chat's words
added, removed or listed, the operator's list and what it refused, and the prompts refused.
Rights are checked by the caller (bot.admin.AdminDesk); replies are plain text, for admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.access import Refused
from bot.words.blocklist import Blocklist
from bot.words.entries import parse

__all__ = ["words", "blocked", "ACTIONS"]

ACTIONS = ("list", "add", "remove")


async def words(blocklist: Blocklist, actor: str, action: str, chat_key: str | None, entries: Sequence[str],
                now: float, *, key: str | None = None) -> str:
    if action not in ACTIONS:
        raise Refused("Say what to do: words list|add|remove <chat> [words…].")
    if chat_key is None:
        if action != "list":
            raise Refused("Name the chat: words add|remove <platform:chat id> <words…>.")
        return await operator_report(blocklist)
    if ":" not in chat_key:
        raise Refused(f"Name the chat as platform:id (e.g. telegram:-1001234567890), not “{chat_key}”.")
    if action == "list":
        listed = await blocklist.chats.words(chat_key)
        return f"Blocked words in {chat_key} ({len(listed)}): " + ", ".join(listed) if listed \
            else f"No blocked words of its own in {chat_key}."
    entries = [e.strip() for e in entries if e.strip()]
    if not entries:
        raise Refused(f"Give the words or phrases to {action}.")
    if action == "add":
        checked = parse(entries, patterns_allowed=False)
        if checked.refused:
            raise Refused("Not added: " + "; ".join(f"{r.entry!r}: {r.reason}" for r in checked.refused))
        try:
            done = await blocklist.chats.add(actor, chat_key, entries, now, key=key)
        except ValueError as exc:
            raise Refused(f"Not added: {exc}.") from None
    else:
        done = await blocklist.chats.remove(actor, chat_key, entries, now, key=key)
    blocklist.chat_changed(chat_key)
    verb = "Added to" if action == "add" else "Removed from"
    untouched = len(dict.fromkeys(entries)) - len(done)
    note = f" ({untouched} {'already there' if action == 'add' else 'not there'})" if untouched else ""
    return f"{verb} {chat_key}: {', '.join(done) or 'nothing'}{note}."


async def operator_report(blocklist: Blocklist) -> str:
    operator = blocklist.operator
    if operator.path is None:
        return "No operator list: set REELBOT_BLOCKLIST_FILE to a file of words (one a line)."
    current = await operator.current()
    lines = [f"Operator list {operator.path}: {len(current.words)} words and phrases, "
             f"{len(current.patterns)} regular expressions."]
    if operator.problem:
        lines.append(f"Problem: {operator.problem}")
    if current.refused:
        lines.append(f"Refused ({len(current.refused)}), skipped:")
        lines += [f"  {refusal}" for refusal in current.refused]
    return "\n".join(lines)


async def blocked(blocklist: Blocklist, limit: int = 20) -> str:
    attempts = await blocklist.attempts.recent(limit)
    if not attempts:
        return "No prompts were blocked."
    return "\n".join(
        f"{datetime.fromtimestamp(a.at, UTC).strftime('%m-%d %H:%M')} {a.scope:<8} {a.user_key} "
        f"in {a.chat_key or '-'} /{a.command} [{a.entry[:40]}] {a.prompt[:120]!r}" for a in attempts)
