"""The console in a real browser: Debian's chromium driven by Playwright (no browser
download), against a running core (the 302.AI simulator behind it) and the console served
on loopback beside it, as `reelbot run` serves them.

The bot and the console run on an event loop of their own in a thread, started once per
module (as is the browser); a test reaches the store through `served.call(...)`."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.web import ConsoleWeb, login_link
from bot.ai302.simulator import Simulator
from bot.bootstrap import bootstrap, open_desk
from bot.config import Settings
from bot.domain.requests import Requester
from tests.conftest import FAST, SIM_KEY, RecordingMessenger
from tests.core.helpers import request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class Served:
    """A core with its simulator and the console, on their own loop in a thread."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="served", daemon=True)
        self._thread.start()
        self.call(self._start)

    def call(self, make: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout)

    async def _start(self) -> None:
        self.sim = Simulator(api_key=SIM_KEY, video_seconds=0.2)
        base = await self.sim.start()
        self.settings = Settings(api_key=SIM_KEY, base_url=base, data_dir=self.data_dir,
                                 console_listen="127.0.0.1:0", bot_daily_mptc=200_000,
                                 video_models="!sora-2-pro",  # a model the settings deny, for the Models page
                                 download_allow="127.0.0.1")  # loopback pages as results, for the media check
        self.core = await bootstrap(self.settings, timing=FAST)
        self.messenger = RecordingMessenger()
        self.core.register("telegram", self.messenger)
        await self.core.start()
        self.desk = await open_desk(self.settings)  # its own connection, as `reelbot run` opens it
        self.web = ConsoleWeb(self.desk, self.settings, ("127.0.0.1", 0), summary_seconds=0)  # always fresh
        await self.web.start()
        self.url = f"http://127.0.0.1:{self.web.port}"

    def stop(self) -> None:
        async def stop() -> None:
            await self.web.stop()
            await self.desk.close()
            await self.core.stop()
            await self.sim.stop()
        self.call(stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def link(self, language: str | None = None, actor: str = "cli:tester") -> str:
        link = self.call(lambda: login_link(self.desk.db, self.settings, actor, language))
        return self.url + "/login" + link.split("/login", 1)[1]

    def delivered_job(self, prompt: str, who: Requester) -> str:
        """A job run to its end through the core; its id."""
        async def run() -> str:
            ticket = await self.core.submit(request("image", prompt, who=who))
            await self.core.wait_idle()
            return ticket.job_id
        return self.call(run)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        async def fetch() -> list[tuple]:
            return [tuple(r) for r in await self.desk.db.fetchall(sql, params)]
        return self.call(fetch)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    served = Served(tmp_path_factory.mktemp("console-data"))
    yield served
    served.stop()


# module-scoped, not session-scoped: Playwright's sync API marks the main thread's event loop as
# running while it lives, which would break the async tests of every module after this one
@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path, request):
    """A fresh browser context (no cookies) at a phone's width; what the page logged to its
    console is kept in `page.errors`; a screenshot of the last page is saved on the way out."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    shot = tmp_path / f"{request.node.name}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    context.close()


def log_in(page, served: Served, language: str | None = None) -> None:
    page.goto(served.link(language))
    page.click("#login")
    page.wait_for_url(served.url + "/")
