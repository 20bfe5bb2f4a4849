"""`reelbot run` with REELBOT_CONSOLE_LISTEN serves the console beside the bot, as a real
process: a link from `reelbot admin console-login` (another process) logs in to it."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import aiohttp
import pytest

from entrypoints import exits
from tests.run_process import ROOT, ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi
from tests.test_startup import TOKEN, telegram_env


@pytest.mark.timeout(90)
async def test_run_serves_the_console_and_a_cli_link_logs_in_to_it(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    env = telegram_env(simulator, tmp_path, api.base_url) | {"REELBOT_CONSOLE_LISTEN": "127.0.0.1:0"}
    bot = await ReelbotProcess(env, tmp_path).start()
    token = None
    try:
        port = int((await bot.line(r"operator's console on 127\.0\.0\.1:(\d+)")).group(1))
        await bot.line(r"reelbot is running")
        made = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "entrypoints.cli", "admin",
                                                        "console-login"], cwd=tmp_path, capture_output=True,
                                       text=True, timeout=60, env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip().split("t=", 1)[1]
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(base + "/", allow_redirects=False) as before:
                assert before.status == 303 and before.headers["Location"] == "/login"
            async with http.post(base + "/login", data={"token": token}) as logged_in:
                assert logged_in.status == 200 and "302.AI" in await logged_in.text()
    finally:
        code = await bot.stop()
        await api.close()
    assert code == exits.OK, bot.output
    assert "Traceback" not in bot.output and token is not None and token not in bot.output  # never logged
