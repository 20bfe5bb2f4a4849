"""Settings, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

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
    # quotas, in credits (one credit = 0.1 PTC); 0 means "no limit" for the chat and bot-wide ceilings
    daily_credits: int = 50
    max_in_flight: int = 2
    chat_daily_credits: int = 0
    bot_daily_credits: int = 2000
    prices: Mapping[str, int] = field(default_factory=dict)
    # job timing, in seconds
    video_deadline: float = 30 * 60
    image_deadline: float = 10 * 60
    min_poll_interval: float = 3.0
    max_poll_interval: float = 60.0
    # None: use each model's typical duration until finished jobs teach a better one
    expected_seconds: float | None = None
    # how long a ready result (or a failure notice) keeps being offered to a platform that is down
    delivery_deadline: float = 6 * 3600
    max_download_bytes: int = 200 * 1024 * 1024
    log_level: str = "INFO"

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
            daily_credits=get("REELBOT_DAILY_CREDITS", cls.daily_credits, int),
            max_in_flight=get("REELBOT_MAX_IN_FLIGHT", cls.max_in_flight, int),
            chat_daily_credits=get("REELBOT_CHAT_DAILY_CREDITS", cls.chat_daily_credits, int),
            bot_daily_credits=get("REELBOT_BOT_DAILY_CREDITS", cls.bot_daily_credits, int),
            prices=_parse_prices(env.get("REELBOT_PRICES", "")),
            video_deadline=get("REELBOT_VIDEO_DEADLINE", cls.video_deadline, float),
            image_deadline=get("REELBOT_IMAGE_DEADLINE", cls.image_deadline, float),
            delivery_deadline=get("REELBOT_DELIVERY_DEADLINE", cls.delivery_deadline, float),
            max_download_bytes=get("REELBOT_MAX_DOWNLOAD_MB", 200, int) * 1024 * 1024,
            log_level=get("REELBOT_LOG_LEVEL", cls.log_level).upper(),
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
