"""A real PostgreSQL for the tests: the `pgserver` wheel (PostgreSQL's own binaries, no
Docker), started once per test session on a Unix socket in a temporary directory. Each test
that asks gets a database of its own."""

from __future__ import annotations

import itertools
import os
import tempfile
import warnings
from urllib.parse import urlsplit, urlunsplit

__all__ = ["PgCluster"]


class PgCluster:
    def __init__(self) -> None:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (no login session here)
            warnings.simplefilter("ignore")
            import pgserver
            self._dir = tempfile.mkdtemp(prefix="reelbot-pg-")
            self._server = pgserver.get_server(self._dir, cleanup_mode="stop")
        self._names = itertools.count(1)

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self._server.psql(f"CREATE DATABASE {name};")
        parts = urlsplit(self._server.get_uri())
        return urlunsplit(parts._replace(path=f"/{name}"))

    def stop(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server.cleanup()
