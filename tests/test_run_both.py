"""`reelbot run` as an operator starts it: one process, both platforms, one event loop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from tests.conftest import SIM_KEY
from tests.discord.fake_discord import FakeDiscord
from tests.telegram.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_TOKEN = "7000002:AAHbothPlatformsTOKEN_0123456789"


async def test_run_serves_discord_and_telegram_in_one_process_and_stops_on_sigterm(simulator, tmp_path):
    telegram, discord_fake = FakeBotApi(TELEGRAM_TOKEN), FakeDiscord()
    await telegram.start()
    await discord_fake.start()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(tmp_path),
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE": telegram.base_url,
        "TELEGRAM_FILE_API_BASE": telegram.base_file_url,
        "DISCORD_TOKEN": discord_fake.token, "DISCORD_API_BASE": discord_fake.api_base,
        "DISCORD_GATEWAY_URL": discord_fake.gateway_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "entrypoints.cli", "--env-file", str(tmp_path / "none.env"), "run",
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await telegram.wait_until(lambda: telegram.commands, timeout=20)
        await discord_fake.wait_for(lambda: discord_fake.sync_calls, timeout=20, what="command sync")

        ann = telegram.user(1001, "Ann", "ann")
        chat = telegram.private_chat(ann)
        command = await telegram.send_text(ann, chat, "/image a red fox")
        interaction = await discord_fake.invoke("image", prompt="a blue whale")

        photo = await telegram.wait_until(lambda: telegram.reply_with(command, "photo"), timeout=20)
        result = await discord_fake.result_of(interaction, timeout=20)
        assert photo and result.files
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), 30)
        await telegram.close()
        await discord_fake.close()
    log = output.decode()
    assert proc.returncode == 0, log
    assert "reelbot is running (TelegramAdapter, DiscordAdapter)" in log
    assert TELEGRAM_TOKEN not in log and discord_fake.token not in log and SIM_KEY not in log


def test_run_without_tokens_says_what_to_set(tmp_path):
    import subprocess
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "run"], capture_output=True, text=True,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and "TELEGRAM_TOKEN" in proc.stderr and "reelbot demo" in proc.stderr
