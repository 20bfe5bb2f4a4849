"""The operator's web console: its own aiohttp listener (REELBOT_CONSOLE_LISTEN), server-
rendered pages (Jinja2, autoescaped), a vendored htmx, and no page without a session.

Safety, in the order a request meets it (`_guard`): every answer carries a strict
Content-Security-Policy (no inline script or style: the pages have none) and no-store; only
the login page and the static files answer without a session cookie; a POST (a form or an
htmx request) must carry the session's CSRF token. Logins are one-time links
(bot.store.console_sessions); failed ones are rate-limited per address and overall.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.web import actions, pages
from adapters.web.results import ResultFiles
from adapters.web.shared import CONSOLE, DESK, LANGUAGE, SECRET, SESSION, SESSIONS
from bot.ai302.client import Ai302Client
from bot.ai302.downloads import Reach, parse_allowance
from bot.store import reports
from bot.store.console_sessions import ConsoleSessions

__all__ = ["ConsoleWeb", "COOKIE", "CSP"]

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "reelbot_console"
# media-src: a job's result, served from the console's own /jobs/{id}/result (adapters.web.results)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
OPEN_PATHS = ("/login", "/static/")
FAILED_LOGINS_PER_ADDRESS = 10  # in LOGIN_WINDOW seconds
FAILED_LOGINS_OVERALL = 100
LOGIN_WINDOW = 600.0



class ConsoleWeb:
    """`desk`: a bot.bootstrap.Desk (db, policy, access, admin); `settings`: what it shows."""

    def __init__(self, desk, settings, listen: tuple[str, int], *, clock: Callable[[], float] = time.time,
                 summary_seconds: float = 60.0):
        self.desk, self.settings, self.clock = desk, settings, clock
        # the overview's 7-day figures (reports.week) are read at most this often: a scan of a
        # week of jobs on every request is what a big database cannot afford
        self.summary_seconds = summary_seconds
        self.week_summary: tuple[float, object] | None = None
        self._rereading: asyncio.Task | None = None
        self.sessions = ConsoleSessions(desk.db, clock)
        self.host, self._port = listen
        self.secure = settings.console_url.startswith("https://")
        self._failures: dict[str, deque[float]] = {}
        self._all_failures: deque[float] = deque()
        self.flashes: dict[str, str] = {}  # session secret -> the last action's answer, shown once
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        # results shown on a job's page, fetched as the bot fetches them (no API key needed)
        self.results = ResultFiles(Ai302Client(settings.base_url, "", reach=Reach(
            parse_allowance(settings.download_allow), trusted_origin=settings.base_url)), settings.max_download_bytes)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app[DESK], app[SESSIONS], app[CONSOLE] = self.desk, self.sessions, self
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
        app.router.add_static("/static/", HERE / "static", append_version=False)
        pages.routes(app.router)
        actions.routes(app.router)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0 was asked for
        log.info("operator's console on %s:%s", self.host, self.port)
        if self.summary_seconds > 0:  # read before the first overview asks for it
            self._reread_later()

    # ---- the overview's 7-day figures -----------------------------------------------------

    async def week(self):
        """reports.week() of at most `summary_seconds` ago plus one read: a stale one is
        shown while it is read again in the background, so no request waits for the scan."""
        kept = self.week_summary
        if kept is not None and self.summary_seconds > 0:
            if self.clock() - kept[0] >= self.summary_seconds:
                self._reread_later()
            return kept[1]
        if self._rereading is not None and not self._rereading.done():
            return await asyncio.shield(self._rereading)
        return await self._reread()

    async def _reread(self):
        now = self.clock()
        value = await reports.week(self.desk.db, now)
        self.week_summary = (now, value)
        return value

    def _reread_later(self) -> None:
        if self._rereading is None or self._rereading.done():
            self._rereading = asyncio.create_task(self._reread(), name="console-week")
            self._rereading.add_done_callback(_log_failure)

    async def stop(self) -> None:
        if self._rereading is not None:
            self._rereading.cancel()
            await asyncio.gather(self._rereading, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.results.close()

    # ---- logins ---------------------------------------------------------------------------

    def login_blocked(self, address: str) -> bool:
        now = self.clock()
        mine = self._failures.get(address, deque())
        for queue in (mine, self._all_failures):
            while queue and queue[0] < now - LOGIN_WINDOW:
                queue.popleft()
        return len(mine) >= FAILED_LOGINS_PER_ADDRESS or len(self._all_failures) >= FAILED_LOGINS_OVERALL

    def login_failed(self, address: str) -> None:
        now = self.clock()
        self._failures.setdefault(address, deque()).append(now)
        self._all_failures.append(now)
        if len(self._failures) > 10_000:  # many addresses: forget the quietest, keep the overall count
            self._failures = {a: q for a, q in self._failures.items() if len(q) > 1}

    def set_cookie(self, response: web.StreamResponse, secret: str) -> None:
        # no Max-Age: the browser keeps it while open; the store ends it after 12 idle hours
        response.set_cookie(COOKIE, secret, httponly=True, samesite="Strict", secure=self.secure, path="/")

    # ---- every request --------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            response = await self._checked(request, handler)
        except web.HTTPException as answer:
            response = answer
            _headers(response)
            raise
        _headers(response)
        return response

    async def _checked(self, request: web.Request, handler) -> web.StreamResponse:
        if request.path.startswith(OPEN_PATHS):
            request[LANGUAGE] = "en"
            return await handler(request)
        secret = request.cookies.get(COOKIE)
        session = await self.sessions.session(secret)
        if session is None:
            if request.headers.get("HX-Request"):  # an htmx call from an expired page: reload to log in
                return web.Response(status=401, headers={"HX-Redirect": "/login"})
            raise web.HTTPSeeOther("/login")
        if request.method == "POST":
            form = await request.post()
            token = request.headers.get("X-CSRF-Token") or form.get("csrf") or ""
            if not secrets.compare_digest(str(token), session.csrf):
                raise web.HTTPForbidden(text="The form's security token is missing or wrong: reload the page.")
        request[SESSION], request[SECRET], request[LANGUAGE] = session, secret, session.language
        return await handler(request)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("console: the 7-day figures could not be read: %s", task.exception())


def _headers(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
