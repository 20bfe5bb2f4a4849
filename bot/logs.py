"""Logging set-up that keeps secrets out of every line, whoever logs them.

httpx logs request URLs at INFO, and Telegram's URLs carry the bot token; libraries may
also log headers or echo a refused key. A filter on the handler rewrites every record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

__all__ = ["setup_logging", "RedactSecrets"]


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        # short values would redact ordinary words; real keys and tokens are long
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "***")
        return True


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; that is noise for an operator
    logging.getLogger("httpx").setLevel(logging.WARNING)
