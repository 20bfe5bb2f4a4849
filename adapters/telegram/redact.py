"""Keep the bot token out of the logs, whatever logging setup the process has.

The token is part of every Bot API URL: httpx logs each request URL at INFO, PTB logs the
URLs it was given at DEBUG. `reelbot run` redacts on its log handler (bot.logs); the same
filter on the libraries' own loggers also covers handlers added by anyone else (pytest's
log capture, an operator's logging config).
"""

from __future__ import annotations

import logging

from bot.logs import RedactSecrets

__all__ = ["TokenRedaction"]

# A filter on a logger does not apply to its children's records, so every logger of these
# libraries gets it (PTB creates its loggers at import time, before install()). The
# adapter's own loggers too: a PTB or httpx error it logs can quote a URL.
_PREFIXES = ("httpx", "httpcore", "telegram", "adapters.telegram")
_KNOWN = ("httpx", "telegram", "telegram.Bot", "telegram.ext", "telegram.ext.ExtBot",
          "telegram.ext.Application", "telegram.ext.Updater", "telegram.request.BaseRequest",
          "telegram.request.HTTPXRequest")


class TokenRedaction:
    def __init__(self, token: str):
        self._filter = RedactSecrets([token])

    def install(self) -> None:
        for logger in _loggers():
            logger.addFilter(self._filter)

    def uninstall(self) -> None:
        for logger in _loggers():
            logger.removeFilter(self._filter)


def _loggers() -> list[logging.Logger]:
    names = set(_KNOWN) | {n for n in logging.root.manager.loggerDict if n.startswith(_PREFIXES)}
    return [logging.getLogger(n) for n in sorted(names)]
