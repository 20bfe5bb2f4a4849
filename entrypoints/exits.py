"""The CLI's exit codes, and how a command that cannot go on says so: one line on stderr
(one JSON object when REELBOT_LOG_FORMAT=json, so that log shippers can read it), never a
traceback unless REELBOT_LOG_LEVEL=DEBUG.

Supervisors act on the code: systemd's unit restarts on 1 and not on 2-4
(RestartPreventExitStatus), since a setting, a data directory or a port does not fix
itself by waiting ten seconds.
"""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import UTC, datetime

__all__ = ["OK", "STOPPED", "CONFIG", "DATA", "LISTEN", "REFUSED", "INTERRUPTED", "CODES", "Failure",
           "epilog", "report"]

OK = 0
STOPPED = 1
CONFIG = 2
DATA = 3
LISTEN = 4
REFUSED = 5
INTERRUPTED = 130

CODES = {
    OK: "done; or `reelbot run` stopped by a signal (SIGTERM, Ctrl-C)",
    STOPPED: "a platform ended the session for good (a reset token), or an unexpected error "
             "(REELBOT_LOG_LEVEL=DEBUG shows where)",
    CONFIG: "a setting, flag or argument is wrong, or another reelbot already runs on this data directory",
    DATA: "the data directory or database cannot be used: not writable, not a reelbot database, none "
          "there (admin commands never create one), a schema newer than this version, or a migration "
          "that waits for a backup",
    LISTEN: "an address to listen on is taken or not allowed (REELBOT_HTTP_LISTEN, TELEGRAM_WEBHOOK_LISTEN)",
    REFUSED: "an admin command was refused or found nothing to act on; nothing changed",
    INTERRUPTED: "interrupted before it had started",
}


class Failure(Exception):
    """A command that cannot go on: `message` is the one sentence the operator reads."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def epilog() -> str:
    return "exit codes:\n" + "\n".join(textwrap.fill(text, 92, initial_indent=f"  {code:<4} ", subsequent_indent=" " * 7)
                                       for code, text in CODES.items())


def report(message: str, code: int, log_format: str = "text") -> int:
    """Say why the command stops, on one line; returns `code` for the caller to exit with."""
    if log_format == "json":
        line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": "ERROR",
                           "logger": "reelbot", "message": " ".join(message.split()), "exit_code": code},
                          ensure_ascii=False)
    else:
        line = f"reelbot: {message}"
    print(line, file=sys.stderr, flush=True)
    return code
