"""The Telegram adapter's settings, read from the environment."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.config import SettingsError

CONCURRENT_CALLS = 12  # Bot API calls under way at once (adapters.telegram.flood.FloodGate)

__all__ = ["TelegramConfig", "MB", "RECEIVE_MODES"]

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

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or None

        token = get("TELEGRAM_TOKEN")
        if token is None:
            return None
        listen = get("TELEGRAM_WEBHOOK_LISTEN") or cls.webhook_listen
        if not listen.rpartition(":")[2].isdigit():
            raise SettingsError(f"TELEGRAM_WEBHOOK_LISTEN={listen!r} is not host:port")
        webhook_url = get("TELEGRAM_WEBHOOK_URL")
        if webhook_url and urlsplit(webhook_url).scheme not in ("http", "https"):
            raise SettingsError(f"TELEGRAM_WEBHOOK_URL={webhook_url!r} is not an http(s) URL")
        receive = _receive(get("TELEGRAM_RECEIVE"), webhook_url)
        return cls(
            token=token,
            api_base=(get("TELEGRAM_API_BASE") or cls.api_base).rstrip("/"),
            file_api_base=(get("TELEGRAM_FILE_API_BASE") or cls.file_api_base).rstrip("/"),
            webhook_url=webhook_url,
            webhook_listen=listen,
            webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            receive=receive,
            admin_ids=_ids(get("TELEGRAM_ADMIN_IDS") or ""),
            upload_limit=_megabytes("TELEGRAM_UPLOAD_LIMIT_MB", get("TELEGRAM_UPLOAD_LIMIT_MB") or "50"),
            sends_per_second=_positive("TELEGRAM_SENDS_PER_SECOND", get("TELEGRAM_SENDS_PER_SECOND") or "30"),
        )


def _receive(raw: str | None, webhook_url: str | None) -> str:
    mode = (raw or ("webhook" if webhook_url else "polling")).lower()
    if mode not in RECEIVE_MODES:
        raise SettingsError(f"TELEGRAM_RECEIVE={raw!r} should be one of: {', '.join(RECEIVE_MODES)}")
    if mode == "webhook" and not webhook_url:
        raise SettingsError("TELEGRAM_RECEIVE=webhook needs TELEGRAM_WEBHOOK_URL, the https address "
                            "Telegram posts updates to")
    if mode == "polling" and webhook_url:
        raise SettingsError("TELEGRAM_RECEIVE=polling and TELEGRAM_WEBHOOK_URL are both set; unset one "
                            "(Telegram sends no updates to getUpdates while a webhook is set)")
    return mode


def _ids(raw: str) -> frozenset[int]:
    parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
    bad = [p for p in parts if not p.lstrip("-").isdigit()]
    if bad:
        raise SettingsError(f"TELEGRAM_ADMIN_IDS must list numeric user ids; not {', '.join(bad)}")
    return frozenset(int(p) for p in parts)


def _megabytes(name: str, raw: str) -> int:
    return int(_positive(name, raw, "a number of megabytes") * MB)


def _positive(name: str, raw: str, what: str = "a number") -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not {what}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be above 0")
    return value
