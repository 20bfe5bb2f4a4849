"""The Discord adapter's settings: `DiscordEnv` is their schema, `DiscordConfig` the value read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.settings_schema import SECRET, EnvModel

__all__ = ["DiscordConfig", "DiscordEnv", "DEFAULT_API_BASE"]

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
        read = DiscordEnv.read(env)
        if read.token is None:
            return None
        return cls(token=read.token, data_dir=Path(data_dir), api_base=read.api_base.rstrip("/"),
                   gateway_url=read.gateway_url, guild_ids=_ids(read.guild_ids), admin_ids=frozenset(_ids(read.admin_ids)),
                   progress_interval=read.progress_interval, shard_count=read.shard_count,
                   shard_ids=_ids(read.shard_ids) or None if read.shard_count else None)


def _url(*schemes: str):
    def check(value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in schemes or not parsed.netloc:
            raise ValueError(f"should be a {' or '.join(s + '://' for s in schemes)} URL")
        return value
    return check


class DiscordEnv(EnvModel):
    """The schema of the Discord settings: names, types, bounds, defaults."""

    token: str | None = Field(None, validation_alias="DISCORD_TOKEN", json_schema_extra=SECRET)
    api_base: Annotated[str, AfterValidator(_url("http", "https"))] = Field(DEFAULT_API_BASE,
                                                                            validation_alias="DISCORD_API_BASE")
    gateway_url: Annotated[str, AfterValidator(_url("ws", "wss"))] | None = Field(
        None, validation_alias="DISCORD_GATEWAY_URL")
    guild_ids: str = Field("", validation_alias="DISCORD_GUILD_IDS")
    admin_ids: str = Field("", validation_alias="DISCORD_ADMIN_IDS")
    # Discord allows about five edits per five seconds per message; progress stays well below
    progress_interval: float = Field(5.0, validation_alias="DISCORD_PROGRESS_INTERVAL", ge=1, le=3600)
    shard_count: int | None = Field(None, validation_alias="DISCORD_SHARD_COUNT")
    shard_ids: str = Field("", validation_alias="DISCORD_SHARD_IDS")

    @field_validator("guild_ids", "admin_ids")
    @classmethod
    def _discord_ids(cls, value: str) -> str:
        for part in value.replace(" ", ",").split(","):
            if part and not part.isdigit():
                raise ValueError(f"“{part}” is not a Discord id (ids are numbers; turn on Developer Mode and "
                                 "use Copy ID)")
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _count(cls, value: str) -> str:
        if not value.isdigit() or not 1 <= int(value) <= 100_000:
            raise ValueError("should be a whole number of shards, 1 or more")
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shard_numbers(cls, value: str) -> str:
        if not all(p.isdigit() for p in value.replace(" ", ",").split(",") if p):
            raise ValueError("should list shard numbers, e.g. 0,1")
        return value

    @model_validator(mode="after")
    def _shards_exist(self):
        ids = _ids(self.shard_ids)
        if self.shard_count is None:
            if ids:
                raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the number of shards of the "
                                 "whole bot (across every process)")
            return self
        outside = [i for i in ids if i >= self.shard_count]
        if outside:
            raise ValueError(f"DISCORD_SHARD_IDS: shard {outside[0]} does not exist with DISCORD_SHARD_COUNT="
                             f"{self.shard_count} (shard ids run from 0 to {self.shard_count - 1})")
        if len(set(ids)) != len(ids):
            raise ValueError("DISCORD_SHARD_IDS names a shard twice")
        return self


def _ids(raw: str) -> tuple[int, ...]:
    """Validated already: `"3, 1"` -> (1, 3)."""
    return tuple(sorted(int(part) for part in raw.replace(" ", ",").split(",") if part))
