"""Whom and what an operator's command names, checked before anything is written.

A member is `platform:id` as the bot stores them (`telegram:123456`, `discord:8035…`: numbers
there; `console:ann`), or `@name` for a member the bot has seen under that name. A bare `bob`
used to be granted credits that reached nobody; it is refused now.
"""

from __future__ import annotations

import re

from bot.access import Refused
from bot.store.policy import REVERSAL

__all__ = ["PLATFORMS", "member_key", "seen", "is_banned", "why_not_refundable"]

PLATFORMS = ("telegram", "discord")  # whose user ids are numbers
_ID = re.compile(r"^([a-z][a-z0-9_-]*):([\w.@-]+)$")


async def member_key(db, raw: str) -> str:
    """The stored user key `raw` names; Refused (the operator's answer) when it names none."""
    text = raw.strip()
    if text.startswith("@"):
        return await _by_name(db, text[1:])
    match = _ID.match(text)
    if match is None:
        raise Refused(f"“{raw}” names no platform: write telegram:ID or discord:ID (the numeric user id), "
                      "or @name for a member the bot has seen.")
    platform, user_id = match.groups()
    if platform in PLATFORMS and not user_id.isdigit():
        raise Refused(f"{platform} user ids are numbers: “{raw}” is not one (try @{user_id} for a member "
                      "the bot has seen under that name).")
    return text


async def seen(db, user_key: str) -> bool:
    """Whether the bot has had a request from this member (a grant or ban may come first)."""
    return await db.fetchone("SELECT 1 FROM users WHERE user_key = ?", (user_key,)) is not None


async def _by_name(db, name: str) -> str:
    rows = await db.fetchall("SELECT user_key FROM users WHERE lower(name) = lower(?) ORDER BY last_seen DESC",
                             (name,))
    keys = [r[0] for r in rows]
    if not keys:
        raise Refused(f"The bot has seen no member called @{name}; name them as telegram:ID or discord:ID.")
    if len(keys) > 1:
        raise Refused(f"@{name} is more than one member ({', '.join(keys[:5])}); name one by platform:id.")
    return keys[0]


async def is_banned(db, user_key: str) -> bool:
    return await db.fetchone("SELECT 1 FROM bans WHERE user_key = ?", (user_key,)) is not None


async def why_not_refundable(db, job_id: str) -> str | None:
    """None when `job_id` is a delivered job not yet refunded; else why it cannot be."""
    job = await db.fetchone("SELECT state FROM jobs WHERE id = ?", (job_id,))
    if job is None:
        return f"No job {job_id} is known to this bot."
    if await db.fetchone("SELECT 1 FROM ledger WHERE job_id = ? AND entry = ?", (job_id, REVERSAL)):
        return f"Job {job_id} was refunded already."
    if job[0] != "delivered":
        return f"Job {job_id} is {job[0]}, not delivered: only a delivered job's credits can be given back."
    return None
