"""The Discord adapter's settings, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.config import SettingsError

__all__ = ["DiscordConfig", "DEFAULT_API_BASE"]

DEFAULT_API_BASE = "https://discord.com/api/v10"


@dataclass(frozen=True)
class DiscordConfig:
    token: str = field(repr=False)  # never in a repr, so never in a log line by accident
    data_dir: Path
    api_base: str = DEFAULT_API_BASE
    gateway_url: str | None = None  # None: ask the API (GET /gateway/bot)
    guild_ids: tuple[int, ...] = ()  # empty: sync commands globally
    admin_ids: frozenset[int] = frozenset()
    # Discord allows about five edits per five seconds per message; progress stays well below.
    progress_interval: float = 5.0
    # How long discord.py waits for the guilds announced in READY before calling itself ready.
    guild_ready_timeout: float = 2.0
    connect_timeout: float = 60.0
    # Sharding across processes: the bot's total shard count and the shards this process runs.
    # None: one unsharded gateway session (discord.Client), as a bot under 2,500 servers needs.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None  # None with a count: every shard, in this process
    # False: a deliver-only worker (`reelbot run --role=worker`): REST only, no gateway session
    gateway: bool = True
    rest_check_interval: float = 30.0  # seconds between REST checks of a gateway-less worker (/healthz)

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def syncs_commands(self) -> bool:
        """Registering commands is one job for the whole bot, not one per process: the process
        that runs shard 0 does it (every process, when the bot is not sharded)."""
        return self.gateway and (self.shard_ids is None or 0 in self.shard_ids)

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: Path) -> DiscordConfig | None:
        """None when DISCORD_TOKEN is unset: the Discord adapter is simply not started."""
        token = (env.get("DISCORD_TOKEN") or "").strip()
        if not token:
            return None
        api_base = (env.get("DISCORD_API_BASE") or "").strip().rstrip("/") or DEFAULT_API_BASE
        _check_url("DISCORD_API_BASE", api_base, ("http", "https"))
        gateway = (env.get("DISCORD_GATEWAY_URL") or "").strip() or None
        if gateway is not None:
            _check_url("DISCORD_GATEWAY_URL", gateway, ("ws", "wss"))
        interval = (env.get("DISCORD_PROGRESS_INTERVAL") or "").strip()
        try:
            progress_interval = float(interval) if interval else cls.progress_interval
        except ValueError:
            raise SettingsError(f"DISCORD_PROGRESS_INTERVAL={interval!r} is not a number of seconds") from None
        return cls(
            token=token,
            data_dir=Path(data_dir),
            api_base=api_base,
            gateway_url=gateway,
            guild_ids=tuple(_ids("DISCORD_GUILD_IDS", env)),
            admin_ids=frozenset(_ids("DISCORD_ADMIN_IDS", env)),
            progress_interval=progress_interval,
            **_shards(env),
        )


def _shards(env: Mapping[str, str]) -> dict[str, Any]:
    raw_count = (env.get("DISCORD_SHARD_COUNT") or "").strip()
    parts = [p for p in (env.get("DISCORD_SHARD_IDS") or "").replace(" ", ",").split(",") if p]
    if not all(p.isdigit() for p in parts):
        raise SettingsError(f"DISCORD_SHARD_IDS={env.get('DISCORD_SHARD_IDS')!r} should list shard numbers, "
                            "e.g. 0,1")
    ids = [int(p) for p in parts]
    if not raw_count:
        if ids:
            raise SettingsError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the number of shards of the "
                                "whole bot (across every process)")
        return {}
    if not raw_count.isdigit() or int(raw_count) < 1:
        raise SettingsError(f"DISCORD_SHARD_COUNT={raw_count!r} should be a whole number of shards, 1 or more")
    count = int(raw_count)
    outside = [i for i in ids if i >= count]
    if outside:
        raise SettingsError(f"DISCORD_SHARD_IDS: shard {outside[0]} does not exist with DISCORD_SHARD_COUNT="
                            f"{count} (shard ids run from 0 to {count - 1})")
    if len(set(ids)) != len(ids):
        raise SettingsError("DISCORD_SHARD_IDS names a shard twice")
    return {"shard_count": count, "shard_ids": tuple(sorted(ids)) if ids else None}


def _ids(name: str, env: Mapping[str, str]) -> list[int]:
    ids = []
    for part in (env.get(name) or "").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise SettingsError(f"{name}: “{part}” is not a Discord id (ids are numbers; "
                                "turn on Developer Mode and use Copy ID)")
        ids.append(int(part))
    return ids


def _check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise SettingsError(f"{name}={url!r} should be a {' or '.join(s + '://' for s in schemes)} URL")
