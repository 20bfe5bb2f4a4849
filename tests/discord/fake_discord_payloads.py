"""Discord JSON objects as the real API shapes them, for the fake server to send.

Only the fields discord.py reads are filled in, with the types Discord uses (snowflakes
as strings, timestamps as ISO 8601).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "Snowflakes",
    "FakeFile",
    "FakeMessage",
    "user_payload",
    "member_payload",
    "channel_payload",
    "guild_payload",
    "EPHEMERAL",
    "LOADING",
    "pings",
    "previews",
    "SUPPRESS_EMBEDS",
]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
ALL_PERMISSIONS = str((1 << 50) - 1)

_DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Increasing ids that decode to the current time, like Discord's."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        ms = int(datetime.now(UTC).timestamp() * 1000) - _DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)

    def next_on_shard(self, shard: int, shard_count: int) -> int:
        """An id whose guild would be served by `shard` (Discord: `(id >> 22) % shard_count`):
        its timestamp moved back to the nearest millisecond that falls there."""
        ms = int(datetime.now(UTC).timestamp() * 1000) - _DISCORD_EPOCH_MS
        ms -= (ms - shard) % shard_count
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def member_payload(user: Mapping[str, Any], roles: list[int] | None = None) -> dict[str, Any]:
    return {
        "user": dict(user),
        "roles": [str(r) for r in roles or []],
        "joined_at": _now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "permissions": ALL_PERMISSIONS,
    }


def channel_payload(channel_id: int, guild_id: int | None, name: str, *, nsfw: bool = False) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": nsfw,  # marked age-restricted by the server's admins
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    return payload


def guild_payload(guild_id: int, name: str, channels: list[dict[str, Any]],
                  bot_user: Mapping[str, Any], premium_tier: int, roles: list[int] = ()) -> dict[str, Any]:
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": bot_user["id"],
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [{
            "id": str(role), "name": "@everyone" if role == guild_id else f"role {role}", "permissions": "104324673",
            "position": i, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0,
        } for i, role in enumerate([guild_id, *roles])],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": premium_tier,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": _now_iso(),
        "large": False,
        "unavailable": False,
        "member_count": 2,
        "voice_states": [],
        "members": [member_payload(bot_user)],
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


@dataclass
class FakeFile:
    id: int
    filename: str
    content_type: str | None
    data: bytes
    url: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }


@dataclass
class FakeMessage:
    """A message as the fake stores it; `history` keeps every body it was given."""

    id: int
    channel_id: int
    guild_id: int | None
    author: dict[str, Any]
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    files: list[FakeFile] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_token: str | None = None
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    history_at: list[float] = field(default_factory=list)  # time.monotonic() of each body (benchmarks)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def text(self) -> str:
        """Content plus every embed's visible text, for assertions about wording."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            for f in embed.get("fields", []):
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    def custom_ids(self) -> list[str]:
        ids = []
        for row in self.components:
            for item in row.get("components", []):
                if "custom_id" in item:
                    ids.append(item["custom_id"])
        return ids

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author,
            "content": self.content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [f.payload() for f in self.files],
            "embeds": self.embeds,
            "pinned": False,
            "type": 0,
            "flags": self.flags,
            "components": self.components,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        return data


_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")


def pings(content: str, allowed: Mapping[str, Any] | None) -> set[str]:
    """Who Discord would notify for `content` under `allowed` (its allowed_mentions rules).

    Without allowed_mentions Discord parses every kind of mention in the content.
    Returns entries like "everyone", "user:123", "role:456".
    """
    parse = {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse", []))
    users = set() if allowed is None else {str(u) for u in allowed.get("users", [])}
    roles = set() if allowed is None else {str(r) for r in allowed.get("roles", [])}
    found: set[str] = set()
    if ("@everyone" in content or "@here" in content) and "everyone" in parse:
        found.add("everyone")
    for user_id in _USER.findall(content):
        if "users" in parse or user_id in users:
            found.add(f"user:{user_id}")
    for role_id in _ROLE.findall(content):
        if "roles" in parse or role_id in roles:
            found.add(f"role:{role_id}")
    return found


_LINK = re.compile(r"https?://\S+")


def previews(content: str, flags: int) -> set[str]:
    """The links Discord would preview in a message: every bare http(s) link, unless it is
    written <like this> or the message suppresses embeds."""
    if flags & SUPPRESS_EMBEDS:
        return set()
    found = set()
    for match in _LINK.finditer(content):
        url = match.group()
        if content[match.start() - 1: match.start()] == "<" and ">" in url:
            continue
        found.add(url)
    return found
