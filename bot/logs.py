"""Logging set-up that keeps secrets out of every line, whoever logs them.

httpx logs request URLs at INFO, and Telegram's URLs carry the bot token; libraries may
also log headers or echo a refused key. A filter on the handler rewrites every record.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

__all__ = ["setup_logging", "RedactSecrets", "JsonLines"]


# Credentials no setting names. A Discord interaction token lets anyone post as the bot for
# 15 minutes, and it turns up in many places at DEBUG: webhook and interaction-callback URLs
# (discord.py), gateway event dumps and stored destinations ("token": "…", also in the SQL
# parameters aiosqlite logs). Real ones also share a prefix: base64 of "interaction:".
# And anything shaped like a Telegram bot token.
_PATTERNS = (
    (re.compile(r"((?:webhooks|interactions)/\d+/)[\w.-]{20,}"), r"\1***"),
    (re.compile(r"""(\w*token\\?["']?\s*[:=]\s*\\?["'])[^"'\\]{8,}(\\?["'])""", re.IGNORECASE), r"\1***\2"),
    (re.compile(r"aW50ZXJhY3Rpb24[\w.-]*"), "***"),
    (re.compile(r"(?<!\d)\d{5,}:[\w-]{30,}"), "***"),
)


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        # short values would redact ordinary words; real keys and tokens are long
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the job id where the
    message names one. Runs after RedactSecrets, so it only ever sees redacted text."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": message}
        if job := _JOB.search(message):
            entry["job_id"] = job.group(1)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


_JOB = re.compile(r"\bjob ([0-9a-f]{12,16})\b")


def setup_logging(level: str, secrets: Iterable[str], fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; that is noise for an operator
    logging.getLogger("httpx").setLevel(logging.WARNING)
