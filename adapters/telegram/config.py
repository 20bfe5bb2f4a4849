"""The Telegram adapter's settings: `TelegramEnv` is their schema, `TelegramConfig` the value read."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from bot.settings_schema import SECRET, EnvModel

CONCURRENT_CALLS = 12  # Bot API calls under way at once (adapters.telegram.flood.FloodGate)

__all__ = ["TelegramConfig", "TelegramEnv", "MB", "RECEIVE_MODES"]

MB = 1024 * 1024
# How updates come in: getUpdates (one process per token), a webhook (any number of
# receivers behind a load balancer), or not at all (a deliver-only worker).
RECEIVE_MODES = ("polling", "webhook", "off")


@dataclass(frozen=True)
class TelegramConfig:
    token: str = field(repr=False)
    api_base: str = "https://api.telegram.org/bot"
    file_api_base: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None  # set: receive updates by webhook instead of long polling
    webhook_listen: str = "0.0.0.0:8443"
    webhook_secret: str | None = field(default=None, repr=False)
    receive: str | None = None  # one of RECEIVE_MODES; None: webhook when webhook_url is set, else polling
    admin_ids: frozenset[int] = frozenset()
    # Telegram's cloud Bot API takes uploads up to 50 MB; a self-hosted one up to 2000 MB.
    upload_limit: int = 50 * MB
    # Telegram throttles edits of one message; a few seconds apart is what it tolerates.
    edit_interval: float = 5.0
    poll_timeout: float = 10.0  # seconds a long poll (getUpdates) waits for news
    # Telegram's limit across all chats; bots with paid broadcasts may send up to 1000 a second.
    sends_per_second: float = 30.0
    # Telegram's limit in one group ("about 20 a minute"), edits included; some bots are allowed more.
    group_messages_per_minute: float = 20.0
    # Each job's one message: a placeholder photo whose caption carries the status, replaced
    # by the result (editMessageMedia). Off: a text status message, the result a new message.
    result_in_place: bool = True
    # Seconds to wait for Telegram's answer to a photo or video send. Telegram answers only
    # once it has processed the file (or fetched it from a URL), often well past PTB's 5 s
    # default for a large video; giving up earlier makes a posted result look failed, and
    # the core's retry would post it twice.
    media_read_timeout: float = 120.0
    rest_check_interval: float = 30.0  # seconds between getMe checks of a deliver-only worker (/healthz)
    # Bot API calls under way at once (adapters.telegram.flood.FloodGate); the HTTP client gets
    # a few connections more, for file downloads, which do not pass through the gate.
    concurrent_calls: int = CONCURRENT_CALLS

    @property
    def listen_host(self) -> str:
        return self.webhook_listen.rpartition(":")[0].strip("[]") or "0.0.0.0"

    @property
    def listen_port(self) -> int:
        return int(self.webhook_listen.rpartition(":")[2])

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path.lstrip("/")

    @property
    def receive_mode(self) -> str:
        return self.receive or ("webhook" if self.webhook_url else "polling")

    @property
    def secret_token(self) -> str:
        """What Telegram must send with every webhook call. Without TELEGRAM_WEBHOOK_SECRET it
        is derived from the bot token: every receiver behind a load balancer arrives at the same
        one without being told, and only a holder of the token (who could do anything with the
        bot anyway) can work it out. 64 hex digits fit Telegram's 1-256 characters [A-Za-z0-9_-]."""
        if self.webhook_secret:
            return self.webhook_secret
        return hmac.new(self.token.encode(), b"reelbot telegram webhook secret", hashlib.sha256).hexdigest()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramConfig | None:
        """The settings, or None when TELEGRAM_TOKEN is unset (Telegram stays off)."""
        read = TelegramEnv.read(env)
        if read.token is None:
            return None
        return cls(
            token=read.token,
            api_base=read.api_base.rstrip("/"),
            file_api_base=read.file_api_base.rstrip("/"),
            webhook_url=read.webhook_url,
            webhook_listen=read.webhook_listen,
            webhook_secret=read.webhook_secret,
            receive=read.receive,
            admin_ids=_ids(read.admin_ids),
            upload_limit=int(read.upload_limit_mb * MB),
            sends_per_second=read.sends_per_second,
            group_messages_per_minute=read.group_messages_per_minute,
            result_in_place=read.result_in_place,
        )


class TelegramEnv(EnvModel):
    """The schema of the Telegram settings: names, types, bounds, defaults."""

    token: str | None = Field(None, validation_alias="TELEGRAM_TOKEN", json_schema_extra=SECRET)
    api_base: str = Field(TelegramConfig.api_base, validation_alias="TELEGRAM_API_BASE", pattern=r"^https?://")
    file_api_base: str = Field(TelegramConfig.file_api_base, validation_alias="TELEGRAM_FILE_API_BASE",
                               pattern=r"^https?://")
    webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL", pattern=r"^https?://")
    webhook_listen: str = Field(TelegramConfig.webhook_listen, validation_alias="TELEGRAM_WEBHOOK_LISTEN",
                                pattern=r":\d+$")
    webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET", json_schema_extra=SECRET,
                                       pattern=r"^[A-Za-z0-9_-]{1,256}$")
    receive: str | None = Field(None, validation_alias="TELEGRAM_RECEIVE")
    admin_ids: str = Field("", validation_alias="TELEGRAM_ADMIN_IDS")
    # the cloud Bot API takes 50 MB, a self-hosted one 2000 MB
    upload_limit_mb: float = Field(50, validation_alias="TELEGRAM_UPLOAD_LIMIT_MB", gt=0, le=2000)
    # Telegram's limit across all chats; bots with paid broadcasts may send up to 1000 a second
    sends_per_second: float = Field(30, validation_alias="TELEGRAM_SENDS_PER_SECOND", gt=0, le=1000)
    # Telegram's limit in one group, edits included; raise it only if Telegram allows your bot more
    group_messages_per_minute: float = Field(20, validation_alias="TELEGRAM_GROUP_MESSAGES_PER_MINUTE", gt=0,
                                             le=1000)
    # one message per job: a placeholder photo whose caption shows the status, replaced by the result
    result_in_place: bool = Field(True, validation_alias="TELEGRAM_RESULT_IN_PLACE")

    @field_validator("receive", mode="before")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value.lower() not in RECEIVE_MODES:
            raise ValueError(f"should be one of: {', '.join(RECEIVE_MODES)}")
        return value.lower()

    @field_validator("admin_ids")
    @classmethod
    def _numeric(cls, value: str) -> str:
        _ids(value)
        return value

    @model_validator(mode="after")
    def _one_way_in(self):
        mode = self.receive or ("webhook" if self.webhook_url else "polling")
        if mode == "webhook" and not self.webhook_url:
            raise ValueError("TELEGRAM_RECEIVE=webhook needs TELEGRAM_WEBHOOK_URL, the https address "
                             "Telegram posts updates to")
        if mode == "polling" and self.webhook_url:
            raise ValueError("TELEGRAM_RECEIVE=polling and TELEGRAM_WEBHOOK_URL are both set; unset one "
                             "(Telegram sends no updates to getUpdates while a webhook is set)")
        return self


def _ids(raw: str) -> frozenset[int]:
    parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
    bad = [p for p in parts if not p.lstrip("-").isdigit()]
    if bad:
        raise ValueError(f"must list numeric user ids; not {', '.join(bad)}")
    return frozenset(int(p) for p in parts)
