"""Settings, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.ai302.downloads import parse_allowance
from bot.domain.money import MPTC_PER_CREDIT, parse_ptc
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["Settings", "load_env", "SettingsError"]


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names it."""


def load_env(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The process environment over the values of `env_file` (when it exists)."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


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
        def get(name: str, default, cast=str):
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return default
            try:
                return cast(raw.strip())
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a valid {cast.__name__}") from None

        db = get("REELBOT_DB", None, Path)
        return cls(
            api_key=get("AI302_API_KEY", ""),
            base_url=get("AI302_BASE_URL", cls.base_url).rstrip("/"),
            request_timeout=get("AI302_TIMEOUT", cls.request_timeout, float),
            submit_timeout=get("AI302_SUBMIT_TIMEOUT", cls.submit_timeout, float),
            image_timeout=get("AI302_IMAGE_TIMEOUT", cls.image_timeout, float),
            max_concurrent_requests=get("AI302_MAX_CONCURRENT", cls.max_concurrent_requests, int),
            data_dir=get("REELBOT_DATA_DIR", cls.data_dir, Path),
            db_path=db,
            database_url=_database_url(get("REELBOT_DATABASE_URL", None)),
            pg_migrate=get("REELBOT_PG_MIGRATE", cls.pg_migrate, _bool),
            worker_id=get("REELBOT_WORKER_ID", ""),
            lease_seconds=get("REELBOT_LEASE_SECONDS", cls.lease_seconds, float),
            daily_credits=get("REELBOT_DAILY_CREDITS", cls.daily_credits, int),
            max_in_flight=get("REELBOT_MAX_IN_FLIGHT", cls.max_in_flight, int),
            chat_daily_credits=get("REELBOT_CHAT_DAILY_CREDITS", cls.chat_daily_credits, int),
            bot_daily_mptc=_bot_ceiling(env, cls.bot_daily_mptc),
            prices=_parse_prices(env.get("REELBOT_PRICES", "")),
            costs=_parse_costs(env.get("REELBOT_COSTS", "")),
            video_deadline=get("REELBOT_VIDEO_DEADLINE", cls.video_deadline, float),
            image_deadline=get("REELBOT_IMAGE_DEADLINE", cls.image_deadline, float),
            query_grace=get("REELBOT_QUERY_GRACE", cls.query_grace, float),
            delivery_deadline=get("REELBOT_DELIVERY_DEADLINE", cls.delivery_deadline, float),
            max_download_bytes=get("REELBOT_MAX_DOWNLOAD_MB", 200, int) * 1024 * 1024,
            download_allow=_download_allow(env.get("REELBOT_DOWNLOAD_ALLOW", "")),
            log_level=get("REELBOT_LOG_LEVEL", cls.log_level).upper(),
            log_format=_choice("REELBOT_LOG_FORMAT", get("REELBOT_LOG_FORMAT", cls.log_format).lower(), ("text", "json")),
            http_listen=get("REELBOT_HTTP_LISTEN", None),
            keep_days=get("REELBOT_KEEP_DAYS", cls.keep_days, int),
            allowed_chats=frozenset(_items(env.get("REELBOT_ALLOWED_CHATS", ""))),
            allow_dms=get("REELBOT_ALLOW_DMS", cls.allow_dms, _bool),
            tiers=_parse_tiers(env.get("REELBOT_TIERS", ""), get("REELBOT_MAX_IN_FLIGHT", cls.max_in_flight, int)),
            role_tiers=_parse_pairs("DISCORD_ROLE_TIERS", env.get("DISCORD_ROLE_TIERS", "")),
            user_tiers={f"telegram:{k}": v for k, v in
                        _parse_pairs("TELEGRAM_USER_TIERS", env.get("TELEGRAM_USER_TIERS", "")).items()},
            admins_unlimited=get("REELBOT_ADMINS_UNLIMITED", cls.admins_unlimited, _bool),
            probe_interval=get("REELBOT_PROBE_INTERVAL", cls.probe_interval, float),
            stars_per_credit=get("TELEGRAM_STARS_PER_CREDIT", None, int),
            credit_packs=tuple(_positive("REELBOT_CREDIT_PACKS", p) for p in _items(env.get("REELBOT_CREDIT_PACKS", "")))
            or cls.credit_packs,
            blocklist_file=get("REELBOT_BLOCKLIST_FILE", None, Path),
            adult_models=tuple(_items(env.get("REELBOT_ADULT_MODELS", ""))),
            adult_chats=frozenset(_items(env.get("REELBOT_ADULT_CHATS", ""))),
            default_language=_choice("REELBOT_DEFAULT_LANGUAGE",
                                     get("REELBOT_DEFAULT_LANGUAGE", cls.default_language).lower(), LANGUAGES),
        )


def _parse_prices(raw: str) -> dict[str, int]:
    """`T2V-01=5,S2V-01=8` -> {"T2V-01": 5, "S2V-01": 8}."""
    prices = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise SettingsError(f"REELBOT_PRICES: “{item}” should look like MODEL=CREDITS")
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
            raise SettingsError(f"REELBOT_COSTS: “{item}” should look like MODEL=PTC (e.g. T2V-01=0.5)") from None
    return costs


def _bot_ceiling(env: Mapping[str, str], default: int) -> int:
    """REELBOT_BOT_DAILY_PTC in PTC; the older REELBOT_BOT_DAILY_CREDITS still works, read at
    the rate it always meant (one credit = 0.1 PTC)."""
    ptc, credits = (env.get(name, "").strip() for name in ("REELBOT_BOT_DAILY_PTC", "REELBOT_BOT_DAILY_CREDITS"))
    if ptc and credits:
        raise SettingsError("set REELBOT_BOT_DAILY_PTC or the older REELBOT_BOT_DAILY_CREDITS, not both")
    try:
        if ptc:
            return parse_ptc(ptc)
        if credits:
            if not credits.isdigit():
                raise ValueError(credits)
            return int(credits) * MPTC_PER_CREDIT
    except ValueError:
        name = "REELBOT_BOT_DAILY_PTC" if ptc else "REELBOT_BOT_DAILY_CREDITS"
        raise SettingsError(f"{name}={ptc or credits!r} is not a valid amount (0 or more)") from None
    return default


def _items(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


_bool.__name__ = "boolean (true/false)"


def _parse_tiers(raw: str, default_in_flight: int) -> dict[str, tuple[int, int]]:
    """`vip=200/4,pro=100` -> {"vip": (200, 4), "pro": (100, default_in_flight)}."""
    tiers = {}
    for item in _items(raw):
        name, sep, value = item.partition("=")
        credits, _, flying = value.partition("/")
        if not sep or not name.strip() or not credits.strip().isdigit() or (flying and not flying.strip().isdigit()):
            raise SettingsError(f"REELBOT_TIERS: “{item}” should look like NAME=CREDITS or NAME=CREDITS/JOBS")
        tiers[name.strip()] = (int(credits), int(flying) if flying else default_in_flight)
    return tiers


def _parse_pairs(setting: str, raw: str) -> dict[str, str]:
    """`123:vip,456:pro` -> {"123": "vip", "456": "pro"}."""
    pairs = {}
    for item in _items(raw):
        key, sep, tier = item.rpartition(":")
        if not sep or not key.strip() or not tier.strip():
            raise SettingsError(f"{setting}: “{item}” should look like ID:TIER")
        pairs[key.strip()] = tier.strip()
    return pairs


def _positive(setting: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) <= 0:
        raise SettingsError(f"{setting}: “{raw}” should be a whole number of credits")
    return int(raw)


def _choice(setting: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(f"{setting}={value!r} should be one of: {', '.join(allowed)}")
    return value


def _download_allow(raw: str) -> str:
    try:
        parse_allowance(raw)
    except ValueError as bad:
        raise SettingsError(f"REELBOT_DOWNLOAD_ALLOW: “{bad}” should be an address or network, "
                            "optionally with :port (e.g. 10.0.0.0/8, 127.0.0.1:8080, [::1]:8080)") from None
    return raw.strip()


def _database_url(raw: str | None) -> str | None:
    if raw is not None and raw.split(":", 1)[0] not in ("postgres", "postgresql"):
        raise SettingsError("REELBOT_DATABASE_URL should start with postgresql:// (unset it to use SQLite)")
    return raw
