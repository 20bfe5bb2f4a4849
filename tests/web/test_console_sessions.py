"""Console logins in the store: a link works once and for 10 minutes, a session ends after
12 hours without a request, `reelbot admin console-login` / `console-logout --all`."""

from __future__ import annotations

import asyncio
import getpass
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store.console_sessions import LINK_SECONDS, SESSION_IDLE_SECONDS, ConsoleSessions
from bot.store.database import Database

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_link_starts_one_session_and_only_within_ten_minutes(tmp_path):
    db, clock = await Database.open(tmp_path / "r.db"), Clock()
    sessions = ConsoleSessions(db, clock)
    try:
        link = await sessions.issue_link("cli:ann")
        assert await sessions.redeem(link) is not None
        assert await sessions.redeem(link) is None
        late = await sessions.issue_link("cli:ann")
        clock.now += LINK_SECONDS + 1
        assert await sessions.redeem(late) is None
    finally:
        await db.close()


async def test_a_session_ends_after_twelve_idle_hours_and_lives_while_used(tmp_path):
    db, clock = await Database.open(tmp_path / "r.db"), Clock()
    sessions = ConsoleSessions(db, clock)
    try:
        used = await sessions.redeem(await sessions.issue_link("cli:ann"))
        idle = await sessions.redeem(await sessions.issue_link("cli:bob"))
        for _ in range(3):  # 3 × 11 h with requests in between: still in
            clock.now += SESSION_IDLE_SECONDS - 3600
            assert (await sessions.session(used)).actor == "cli:ann"
        assert await sessions.session(idle) is None
    finally:
        await db.close()


async def test_only_hashes_of_the_secrets_are_stored(tmp_path):
    db = await Database.open(tmp_path / "r.db")
    sessions = ConsoleSessions(db)
    try:
        link = await sessions.issue_link("cli:ann")
        secret = await sessions.redeem(link)
        rows = [*await db.fetchall("SELECT * FROM console_links"), *await db.fetchall("SELECT * FROM console_sessions")]
        dump = "\n".join(str(tuple(r)) for r in rows)
        assert link not in dump and secret not in dump
    finally:
        await db.close()


def reelbot(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", "admin", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                                      "REELBOT_CONSOLE_URL": "https://console.example.org"})


def test_console_login_prints_a_link_and_console_logout_all_ends_every_session(tmp_path):
    async def make() -> None:
        db = await Database.open(tmp_path / "reelbot-data" / "reelbot.db")
        await db.close()
    asyncio.run(make())
    made = reelbot(tmp_path, "console-login", "--language", "zh")
    assert made.returncode == 0, made.stderr
    db = tmp_path / "reelbot-data" / "reelbot.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT actor, language FROM console_links").fetchall() == [(f"cli:{getpass.getuser()}", "zh")]
    token = re.fullmatch(r"https://console\.example\.org/login\?t=([\w-]+)\n", made.stdout).group(1)

    async def redeem() -> None:
        opened = await Database.open(db)
        assert await ConsoleSessions(opened).redeem(token) is not None
        await opened.close()
    asyncio.run(redeem())
    listed = reelbot(tmp_path, "console-logout")
    assert "cli:" in listed.stdout
    ended = reelbot(tmp_path, "console-logout", "--all")
    assert ended.returncode == 0 and ended.stdout.startswith("1 console session(s) ended")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM console_sessions").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM console_links").fetchone() == (0,)  # unused links voided too


async def test_after_ten_failed_logins_an_address_is_refused_even_a_good_link(make_core):
    import aiohttp

    from adapters.web import ConsoleWeb
    from bot.bootstrap import open_desk

    core = await make_core(console_listen="127.0.0.1:0")
    desk = await open_desk(core.settings)
    web = ConsoleWeb(desk, core.settings, ("127.0.0.1", 0))
    await web.start()
    try:
        good = await web.sessions.issue_link("cli:ann")
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{web.port}/login"
            for n in range(10):
                async with http.post(url, data={"token": f"guess-{n}"}, allow_redirects=False) as answer:
                    assert answer.status == 403
            async with http.post(url, data={"token": good}, allow_redirects=False) as answer:
                assert answer.status == 429
        assert await web.sessions.redeem(good) is not None  # the link itself was not spent
    finally:
        await web.stop()
        await desk.close()


def test_the_cookie_is_secure_when_the_console_is_served_over_https():
    from aiohttp import web

    from adapters.web import ConsoleWeb
    from bot.config import Settings

    class Desk:
        db = None

    for url, secure in (("https://console.example.org", True), ("http://10.0.0.5:9103", False), ("", False)):
        answer = web.Response()
        ConsoleWeb(Desk(), Settings(console_url=url), ("127.0.0.1", 0)).set_cookie(answer, "s3cret")
        cookie = answer.cookies["reelbot_console"]
        assert (cookie["secure"] is True, cookie["httponly"], cookie["samesite"]) == (secure, True, "Strict"), url
