"""Settings, read once from the environment (and an optional .env file).

`CoreEnv` is the schema: every core setting's environment name, type, bounds and default;
`Settings`, the frozen value the core reads, is built from it by `Settings.from_env`.

A new setting is two lines: a `Settings` field, and a `CoreEnv` field of the same name with
its environment name, type and bounds (a plain value is copied across as it is; one that
needs converting is excluded from the copy in `from_env` and converted there). Then list it
in .env.example and regenerate docs/configuration.md (python -m entrypoints.settings_reference);
tests/test_settings_schema.py fails until both agree with the schema."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, field_validator, model_validator

from bot.ai302.downloads import parse_allowance
from bot.domain.money import MPTC_PER_CREDIT, parse_ptc
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.settings_schema import SECRET, EnvModel, SettingsError

__all__ = ["Settings", "CoreEnv", "load_env", "env_sources", "SettingsError"]

DAY = 86_400.0
# bounds that no deployment needs to pass: past them a value is a typo (an extra zero, ms for s)
Seconds = Annotated[float, Field(gt=0, le=7 * DAY)]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]


def load_env(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The process environment over the values of `env_file` (when it exists)."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def env_sources(env_file: str | Path | None = ".env") -> dict[str, str]:
    """Where each name of `load_env(env_file)` comes from: ".env" or "environment"."""
    sources = {}
    if env_file and Path(env_file).is_file():
        sources.update({k: str(env_file) for k, v in dotenv_values(env_file).items() if v is not None})
    sources.update({k: "environment" for k in os.environ})
    return sources


def _env(name: str, *old: str, **kw):
    return Field(validation_alias=AliasChoices(name, *old) if old else name, **kw)


class CoreEnv(EnvModel):
    api_key: str = _env("AI302_API_KEY", default="", json_schema_extra=SECRET)
    base_url: str = _env("AI302_BASE_URL", default="https://api.302.ai", pattern=r"^https?://")
    request_timeout: Seconds = _env("AI302_TIMEOUT", default=60.0)
    submit_timeout: Seconds = _env("AI302_SUBMIT_TIMEOUT", default=60.0)
    image_timeout: Seconds = _env("AI302_IMAGE_TIMEOUT", default=180.0)
    max_concurrent_requests: int = _env("AI302_MAX_CONCURRENT", default=32, ge=1, le=10_000)
    data_dir: Path = _env("REELBOT_DATA_DIR", default=Path("reelbot-data"))
    db_path: Path | None = _env("REELBOT_DB", default=None)
    database_url: str | None = _env("REELBOT_DATABASE_URL", default=None,
                                    json_schema_extra=SECRET)  # it may carry the password
    pg_migrate: bool = _env("REELBOT_PG_MIGRATE", default=False)
    worker_id: str = _env("REELBOT_WORKER_ID", default="")
    lease_seconds: Seconds = _env("REELBOT_LEASE_SECONDS", default=30.0)
    daily_credits: Count = _env("REELBOT_DAILY_CREDITS", default=50)
    max_in_flight: int = _env("REELBOT_MAX_IN_FLIGHT", default=2, ge=1, le=1000)
    chat_daily_credits: Count = _env("REELBOT_CHAT_DAILY_CREDITS", default=0)
    bot_daily_ptc: str | None = _env("REELBOT_BOT_DAILY_PTC", default="200")
    # the older unit, still read at the rate it always meant (one credit = 0.1 PTC)
    bot_daily_credits: Count | None = _env("REELBOT_BOT_DAILY_CREDITS", default=None)
    prices: str = _env("REELBOT_PRICES", default="")
    costs: str = _env("REELBOT_COSTS", default="")
    price_per_ptc: int = _env("REELBOT_PRICE_PER_PTC", default=10, ge=0, le=100_000)
    video_models: str = _env("REELBOT_VIDEO_MODELS", default="")
    catalog_refresh: Seconds = _env("REELBOT_CATALOG_REFRESH", default=3 * 3600.0)
    video_deadline: Seconds = _env("REELBOT_VIDEO_DEADLINE", default=30 * 60.0)
    image_deadline: Seconds = _env("REELBOT_IMAGE_DEADLINE", default=10 * 60.0)
    query_grace: float = _env("REELBOT_QUERY_GRACE", default=30 * 60.0, ge=0, le=7 * DAY)
    delivery_deadline: Seconds = _env("REELBOT_DELIVERY_DEADLINE", default=6 * 3600.0)
    max_download_mb: int = _env("REELBOT_MAX_DOWNLOAD_MB", default=200, ge=1, le=100_000)
    download_allow: str = _env("REELBOT_DOWNLOAD_ALLOW", default="")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = _env("REELBOT_LOG_LEVEL", default="INFO")
    log_format: Literal["text", "json"] = _env("REELBOT_LOG_FORMAT", default="text")
    http_listen: str | None = _env("REELBOT_HTTP_LISTEN", default=None)
    public_url: str | None = _env("REELBOT_PUBLIC_URL", default=None)
    callback_listen: str | None = _env("REELBOT_CALLBACK_LISTEN", default=None)
    callback_rate: float = _env("REELBOT_CALLBACK_RATE", default=20.0, gt=0, le=1_000_000)
    console_listen: str | None = _env("REELBOT_CONSOLE_LISTEN", default=None)
    console_url: str = _env("REELBOT_CONSOLE_URL", default="")
    adult_models: str = _env("REELBOT_ADULT_MODELS", default="")
    adult_chats: str = _env("REELBOT_ADULT_CHATS", default="")
    keep_days: int = _env("REELBOT_KEEP_DAYS", default=30, ge=1, le=36_500)
    allowed_chats: str = _env("REELBOT_ALLOWED_CHATS", default="")
    allow_dms: bool = _env("REELBOT_ALLOW_DMS", default=True)
    tiers: str = _env("REELBOT_TIERS", default="")
    role_tiers: str = _env("DISCORD_ROLE_TIERS", default="")
    user_tiers: str = _env("TELEGRAM_USER_TIERS", default="")
    admins_unlimited: bool = _env("REELBOT_ADMINS_UNLIMITED", default=True)
    probe_interval: Seconds = _env("REELBOT_PROBE_INTERVAL", default=300.0)
    stars_per_credit: int | None = _env("TELEGRAM_STARS_PER_CREDIT", default=None, ge=1, le=10_000)
    credit_packs: str = _env("REELBOT_CREDIT_PACKS", default="50,200,1000")
    default_language: str = _env("REELBOT_DEFAULT_LANGUAGE", default=DEFAULT_LANGUAGE)
    blocklist_file: Path | None = _env("REELBOT_BLOCKLIST_FILE", default=None)

    @field_validator("log_level", "log_format", "default_language", mode="before")
    @classmethod
    def _case(cls, value: str, info):
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("database_url")
    @classmethod
    def _postgres(cls, value: str | None) -> str | None:
        if value is not None and value.split(":", 1)[0] not in ("postgres", "postgresql"):
            raise ValueError("should start with postgresql:// (unset it to use SQLite)")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"should be one of: {', '.join(LANGUAGES)}")
        return value

    @field_validator("prices", "costs", "tiers", "role_tiers", "user_tiers", "credit_packs", "download_allow",
                     "bot_daily_ptc")
    @classmethod
    def _parses(cls, value: str | None, info):
        if value is not None:  # the structured ones are read once here, so a bad one stops the start
            _PARSERS[info.field_name](value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _one_ceiling(cls, given: dict):
        if "REELBOT_BOT_DAILY_PTC" in given and "REELBOT_BOT_DAILY_CREDITS" in given:
            raise ValueError("set REELBOT_BOT_DAILY_PTC or the older REELBOT_BOT_DAILY_CREDITS, not both")
        if "REELBOT_BOT_DAILY_CREDITS" in given:
            given = {**given, "REELBOT_BOT_DAILY_PTC": None}
        return given

    def bot_daily_mptc(self) -> int:
        if self.bot_daily_ptc is not None:
            return parse_ptc(self.bot_daily_ptc)
        return (self.bot_daily_credits or 0) * MPTC_PER_CREDIT


@dataclass(frozen=True)
class Settings:
    api_key: str = ""
    base_url: str = "https://api.302.ai"
    request_timeout: float = 60.0  # free lookups (status queries, file info)
    submit_timeout: float = 60.0  # a paid video submission
    image_timeout: float = 180.0  # a paid image generation, which answers when the picture exists
    max_concurrent_requests: int = 32
    data_dir: Path = Path("reelbot-data")
    db_path: Path | None = None  # default: data_dir / "reelbot.db"
    # postgresql://…: a shared store for several workers (bot.store.postgres); None: SQLite
    database_url: str | None = None
    pg_migrate: bool = False  # PostgreSQL: migrate an older schema at start (after the operator's pg_dump)
    worker_id: str = ""  # this worker's name in job leases; default: host name and process id
    lease_seconds: float = 30.0  # a dead worker's jobs are taken over after this long
    # member quotas, in credits of price; 0 means "no limit" for the chat's
    daily_credits: int = 50
    max_in_flight: int = 2
    chat_daily_credits: int = 0
    # the bot-wide daily ceiling on what 302.AI may charge, in mPTC (200 PTC); 0: none
    bot_daily_mptc: int = 200_000
    prices: Mapping[str, int] = field(default_factory=dict)  # model -> credits a member pays
    costs: Mapping[str, int] = field(default_factory=dict)  # model -> mPTC 302.AI charges
    # a unified video model's price follows its cost at this many credits per PTC, rounded up,
    # unless REELBOT_PRICES sets it (bot.catalog.unified)
    price_per_ptc: int = 10
    video_models: str = ""  # which unified video models are offered: "kling-*,google-veo3*,!*-pro"; empty: all
    catalog_refresh: float = 3 * 3600.0  # seconds between reads of 302.AI's list of video models
    # job timing, in seconds
    video_deadline: float = 30 * 60
    image_deadline: float = 10 * 60
    # a billed video's status keeps being asked this long past its deadline (and a job resumed
    # after its deadline gets this long) while 302.AI's free queries fail
    query_grace: float = 30 * 60
    min_poll_interval: float = 3.0
    max_poll_interval: float = 60.0
    # None: use each model's typical duration until finished jobs teach a better one
    expected_seconds: float | None = None
    # how long a ready result (or a failure notice) keeps being offered to a platform that is down
    delivery_deadline: float = 6 * 3600
    max_download_bytes: int = 200 * 1024 * 1024
    # non-public addresses result downloads may reach (bot.ai302.downloads), e.g. "10.0.0.0/8,127.0.0.1:8080"
    download_allow: str = ""
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line
    http_listen: str | None = None  # the operators' listener (/healthz, /metrics), e.g. 127.0.0.1:9102
    # where 302.AI can reach this bot's callbacks (docs/callbacks.md), e.g. https://bot.example.com; None: off
    public_url: str | None = None
    callback_listen: str | None = None  # callbacks on a listener of their own, e.g. 127.0.0.1:9103
    callback_rate: float = 20.0  # callbacks a second from one source address (bursts of 5x, at least 5); more: 429
    # the operator's web console (adapters/web): where it listens (None: off), e.g. 127.0.0.1:9103,
    # and the address operators open (login links start with it; https:// makes cookies Secure)
    console_listen: str | None = None
    console_url: str = ""
    keep_days: int = 30  # finished jobs' prompts and destinations are cleared after this many days
    # access policy (bot.access): where the bot answers, tiers, and what admins may spend
    allowed_chats: frozenset[str] = frozenset()  # empty: everywhere
    allow_dms: bool = True
    tiers: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # name -> (credits/day, in flight)
    role_tiers: Mapping[str, str] = field(default_factory=dict)  # Discord role id -> tier
    user_tiers: Mapping[str, str] = field(default_factory=dict)  # "telegram:123" -> tier
    admins_unlimited: bool = True
    probe_interval: float = 300.0  # seconds between checks that a paused 302.AI account works again
    stars_per_credit: int | None = None  # Telegram Stars per purchased credit; None: no shop
    credit_packs: tuple[int, ...] = (50, 200, 1000)
    # members whose platform names no language we have a catalog for read this one
    default_language: str = DEFAULT_LANGUAGE
    # the operator's blocked words (bot.words): one a line, `re:` for a regular expression; None: none
    blocklist_file: Path | None = None
    # adult-only models (bot.chats.adult): name patterns (fnmatch, any case), and the Telegram
    # chats the operator allows them in; on Discord they run only in age-restricted channels
    adult_models: tuple[str, ...] = ()
    adult_chats: frozenset[str] = frozenset()

    @property
    def database(self) -> Path:
        return self.db_path or self.data_dir / "reelbot.db"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """SettingsError naming the setting when one is of the wrong type, out of bounds or malformed."""
        read = CoreEnv.read(env)
        plain = read.model_dump(exclude={"adult_models", "adult_chats", "console_url", "public_url", "base_url", "max_download_mb", "bot_daily_ptc", "bot_daily_credits", "prices", "costs",
                                         "allowed_chats", "tiers", "role_tiers", "user_tiers", "credit_packs"})
        return cls(
            **plain,
            base_url=read.base_url.rstrip("/"),
            bot_daily_mptc=read.bot_daily_mptc(),
            prices=_parse_prices(read.prices),
            costs=_parse_costs(read.costs),
            max_download_bytes=read.max_download_mb * 1024 * 1024,
            allowed_chats=frozenset(_items(read.allowed_chats)),
            tiers=_parse_tiers(read.tiers, read.max_in_flight),
            role_tiers=_parse_pairs(read.role_tiers),
            user_tiers={f"telegram:{k}": v for k, v in _parse_pairs(read.user_tiers).items()},
            credit_packs=_parse_packs(read.credit_packs) or cls.credit_packs,
            public_url=_public_url(env),
            console_url=read.console_url.rstrip("/"),
            adult_models=tuple(_items(read.adult_models)),
            adult_chats=frozenset(_items(read.adult_chats)),
        )


def _parse_prices(raw: str) -> dict[str, int]:
    """`T2V-01=5,S2V-01=8` -> {"T2V-01": 5, "S2V-01": 8}."""
    prices = {}
    for item in _items(raw):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise ValueError(f"“{item}” should look like MODEL=CREDITS")
        prices[name.strip()] = int(value)
    return prices


def _parse_costs(raw: str) -> dict[str, int]:
    """`T2V-01=0.5,hailuo=1.2` (PTC) -> {"T2V-01": 500, "hailuo": 1200} (mPTC)."""
    costs = {}
    for item in _items(raw):
        name, sep, value = item.partition("=")
        try:
            costs[name.strip()] = parse_ptc(value) if sep and name.strip() else parse_ptc("")
        except ValueError:
            raise ValueError(f"“{item}” should look like MODEL=PTC (e.g. T2V-01=0.5)") from None
    return costs


def _items(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _parse_tiers(raw: str, default_in_flight: int = 0) -> dict[str, tuple[int, int]]:
    """`vip=200/4,pro=100` -> {"vip": (200, 4), "pro": (100, default_in_flight)}."""
    tiers = {}
    for item in _items(raw):
        name, sep, value = item.partition("=")
        credits, _, flying = value.partition("/")
        if not sep or not name.strip() or not credits.strip().isdigit() or (flying and not flying.strip().isdigit()):
            raise ValueError(f"“{item}” should look like NAME=CREDITS or NAME=CREDITS/JOBS")
        tiers[name.strip()] = (int(credits), int(flying) if flying else default_in_flight)
    return tiers


def _parse_pairs(raw: str) -> dict[str, str]:
    """`123:vip,456:pro` -> {"123": "vip", "456": "pro"}."""
    pairs = {}
    for item in _items(raw):
        key, sep, tier = item.rpartition(":")
        if not sep or not key.strip() or not tier.strip():
            raise ValueError(f"“{item}” should look like ID:TIER")
        pairs[key.strip()] = tier.strip()
    return pairs


def _parse_packs(raw: str) -> tuple[int, ...]:
    if not all(item.isdigit() and int(item) > 0 for item in _items(raw)):
        raise ValueError(f"“{raw}” should list whole numbers of credits, e.g. 50,200,1000")
    return tuple(int(item) for item in _items(raw))


def _check_allowance(raw: str) -> None:
    try:
        parse_allowance(raw)
    except ValueError as bad:
        raise ValueError(f"“{bad}” should be an address or network, optionally with :port "
                         "(e.g. 10.0.0.0/8, 127.0.0.1:8080, [::1]:8080)") from None


def _check_ptc(raw: str) -> None:
    try:
        parse_ptc(raw)
    except ValueError:
        raise ValueError("is not a valid amount of PTC (0 or more, at most three decimals)") from None


_PARSERS = {"prices": _parse_prices, "costs": _parse_costs, "tiers": _parse_tiers, "role_tiers": _parse_pairs,
            "user_tiers": _parse_pairs, "credit_packs": _parse_packs, "download_allow": _check_allowance,
            "bot_daily_ptc": _check_ptc}


def _public_url(env: Mapping[str, str]) -> str | None:
    from bot.callbacks import check_public_url  # bot.callbacks brings aiohttp's server side

    raw = env.get("REELBOT_PUBLIC_URL", "").strip()
    if not raw:
        return None
    try:
        url = check_public_url(raw)
    except ValueError as why:
        raise SettingsError(f"REELBOT_PUBLIC_URL={raw!r} {why}") from None
    if not (env.get("REELBOT_HTTP_LISTEN", "").strip() or env.get("REELBOT_CALLBACK_LISTEN", "").strip()):
        raise SettingsError("REELBOT_PUBLIC_URL needs a listener for the callbacks: set REELBOT_CALLBACK_LISTEN "
                            "(or REELBOT_HTTP_LISTEN) to the address your reverse proxy forwards to")
    return url
