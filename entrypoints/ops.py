"""The operators' HTTP listener (off unless REELBOT_HTTP_LISTEN is set): /healthz for a
supervisor's health check, /readyz for whoever should only send work to a bot that serves,
/metrics for Prometheus.

/healthz answers 200 while the bot starts (its platforms being reached, retried with backoff)
and once it serves, and 503 only when something it had is down: a quiet start must not make
an uptime monitor flap, nor a supervisor restart a process that is doing what it should.
/readyz answers 200 only once every platform is connected and the database answers. Bind it to 127.0.0.1 (or a private
network): it needs no secret, and shows no user id, prompt or token.

With REELBOT_PUBLIC_URL set it also serves 302.AI's callbacks (bot.callbacks), unless
REELBOT_CALLBACK_LISTEN gives them a listener of their own that serves nothing else: the one
a reverse proxy may then forward to in full (docs/callbacks.md)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import __version__
from bot.core import Core

__all__ = ["OpsListener", "parse_listen", "listeners"]

log = logging.getLogger(__name__)


def parse_listen(value: str) -> tuple[str, int]:
    """`127.0.0.1:9102`, `:9102` (every address) or `[::1]:9102`."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"REELBOT_HTTP_LISTEN={value!r} should look like HOST:PORT, e.g. 127.0.0.1:9102")
    return host.strip("[]") or "0.0.0.0", int(port)


def listeners(core: Core, platforms: Mapping[str, Any], http_listen: str | None,
              callback_listen: str | None) -> list[OpsListener]:
    """The listeners `reelbot run` starts: the operators' (with the callbacks, unless they
    have their own), and the callbacks' own."""
    door = core.callbacks
    found = []
    if http_listen:
        found.append(OpsListener(core, platforms, http_listen, door=None if callback_listen else door))
    if callback_listen and door is not None:
        found.append(OpsListener(core, platforms, callback_listen, door=door, ops=False))
    return found


class OpsListener:
    def __init__(self, core: Core, platforms: Mapping[str, Any], listen: str | socket.socket, *,
                 door: Any = None, ops: bool = True):
        """`listen`: HOST:PORT, or a socket already bound (tests, benches); `door`: serve
        302.AI's callbacks too; `ops` False: only them."""
        self._core, self._platforms = core, platforms  # name -> adapter with a `connected` property
        self._door, self._ops = door, ops
        self._sock = listen if isinstance(listen, socket.socket) else None
        self._host, self._port = parse_listen(listen) if self._sock is None else listen.getsockname()[:2]
        self._runner: web.AppRunner | None = None
        # the setting that names this listener's address (for an operator's error message)
        self.setting = f"REELBOT_{'HTTP' if ops else 'CALLBACK'}_LISTEN={listen if self._sock is None else ''}"
        self.port: int | None = None
        self.starting = True  # until the CLI says every platform has been reached (started())
        self._reached: set[str] = set()  # platforms seen connected at least once

    def started(self) -> None:
        self.starting = False

    async def start(self) -> None:
        app = web.Application()
        served = []
        if self._ops:
            app.router.add_get("/healthz", self._health)
            app.router.add_get("/readyz", self._ready)
            app.router.add_get("/metrics", self._metrics)
            served += ["/healthz", "/readyz", "/metrics"]
        if self._door is not None:
            self._door.install(app)
            served.append(f"{self._door.address.prefix}/callbacks/")
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        if self._sock is not None:
            site: web.BaseSite = web.SockSite(self._runner, self._sock)
        else:
            site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0 was asked for
        log.info("%s listener on %s:%s (%s)", "operators'" if self._ops else "callbacks'", self._host, self.port,
                 ", ".join(served))

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        body = await self._state()
        return web.json_response(body, status=503 if body["status"] == "down" else 200)

    async def _ready(self, request: web.Request) -> web.Response:
        body = await self._state()
        return web.json_response(body, status=200 if body["status"] == "ok" else 503)

    async def _state(self) -> dict[str, Any]:
        database = await self._core.database_answers()
        platforms = {name: "connected" if adapter.connected else "down" for name, adapter in self._platforms.items()}
        self._reached |= {name for name, state in platforms.items() if state == "connected"}
        healthy = database and all(state == "connected" for state in platforms.values())
        # starting: only platforms never reached yet are missing (a platform lost after it was
        # reached is down, even before every other one has been reached)
        starting = self.starting and database and not self._reached & {n for n, s in platforms.items() if s == "down"}
        body = {"status": "ok" if healthy else "starting" if starting else "down",
                "database": "ok" if database else "down",
                "platforms": platforms, "version": __version__}
        # what a platform could not be sure of (e.g. Discord posts whose arrival it cannot check):
        # worth the operator's eye, but the bot is up
        if notes := {name: n for name, adapter in self._platforms.items() if (n := _notes(adapter))}:
            body["notes"] = notes
        return body

    async def _metrics(self, request: web.Request) -> web.Response:
        metrics = self._core.metrics
        await metrics.refresh()
        return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _notes(adapter: Any) -> dict[str, Any]:
    health = getattr(getattr(adapter, "messenger", None), "health", None)
    return health() if callable(health) else {}
