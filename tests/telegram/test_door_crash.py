"""`reelbot run` killed with SIGKILL after an admin's grant was applied but before its answer
went out: the restart handles the update again (it was never marked handled), and the grant,
keyed on the update, is not applied a second time."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import SIM_KEY, wait_for
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_crash_burst import query

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000004:AAHdoorTOKEN_0123456789abcdef"
BOSS_ID = 900


async def start_reelbot(api: FakeBotApi, simulator, data_dir: Path) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(data_dir),
        "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_FILE_API_BASE": api.base_file_url,
        "TELEGRAM_ADMIN_IDS": str(BOSS_ID),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "entrypoints.cli", "--env-file", str(data_dir / "none.env"), "run",
        env=env, cwd=data_dir, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


def granted(api: FakeBotApi) -> list:
    return [c for c in api.sent("sendMessage", BOSS_ID) if "Granted 15 credits" in c.params.get("text", "")]


@pytest.mark.timeout(90)
async def test_a_grant_whose_answer_a_kill_cut_off_is_applied_once_after_the_restart(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    db = tmp_path / "reelbot.db"
    try:
        first = await start_reelbot(api, simulator, tmp_path)
        await api.wait_until(lambda: api.commands, timeout=30)  # started: the menu is set
        boss, ann = api.user(BOSS_ID, "Boss", "boss"), api.user(1001, "Ann", "ann")
        for who, text in ((boss, "/start"), (ann, "/quota")):  # the bot has a chat with each
            sent = await api.send_text(who, api.private_chat(who), text)
            await api.wait_until(lambda sent=sent: api.reply_with(sent, "text"), timeout=30)
        answers = api.hold("sendMessage")
        await api.send_text(boss, api.private_chat(boss), "/admin grant 1001 15 birthday")
        await api.wait_until(lambda: api.held, timeout=30)  # applied; its answer on the way
        update_id = api.pushed[-1]["update_id"]
        first.send_signal(signal.SIGKILL)
        await first.wait()
        answers.set()  # Telegram carries on; the answer may or may not have reached the chat

        second = await start_reelbot(api, simulator, tmp_path)
        try:
            await wait_for(lambda: query(db, f"SELECT handled_at FROM inbox WHERE update_id = {update_id}")
                           not in ([], [(None,)]), timeout=60, what="the grant's update to be handled again")
            await api.wait_until(lambda: granted(api), timeout=30)  # the admin hears of it
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
    finally:
        await api.close()

    assert query(db, "SELECT amount FROM ledger WHERE entry = 'grant'") == [(15,)]
    assert query(db, "SELECT COUNT(*) FROM audit WHERE action = 'grant'") == [(1,)]
