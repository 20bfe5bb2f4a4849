"""`reelbot run` killed with SIGKILL after Telegram put the result in the placeholder's place
(editMessageMedia) but before the bot recorded the delivery: the restarted bot delivers it
again, into the same message, so the member has one result, not two."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import SIM_KEY, wait_for
from tests.media import is_png
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_crash_burst import query

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000003:AAHinPlaceTOKEN_0123456789abcdef"


async def start_reelbot(api: FakeBotApi, simulator, data_dir: Path,
                        log: Path | None = None) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(data_dir),
        "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_FILE_API_BASE": api.base_file_url,
        "TELEGRAM_RESULT_IN_PLACE": "true",
    }
    out = open(log, "wb") if log is not None else asyncio.subprocess.DEVNULL
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "entrypoints.cli", "--env-file", str(data_dir / "none.env"), "run",
            env=env, cwd=data_dir, stdout=out, stderr=asyncio.subprocess.STDOUT)
    finally:
        if log is not None:
            out.close()  # the child has its own copy


@pytest.mark.timeout(120)
async def test_a_result_put_in_place_before_a_kill_is_not_posted_again_after_the_restart(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    db = tmp_path / "reelbot.db"
    try:
        # Telegram makes the edit at once but answers late: the bot is killed before it hears back
        api.answer_slowly("editMessageMedia", 10)
        first = await start_reelbot(api, simulator, tmp_path)
        await api.wait_until(lambda: api.commands, timeout=30)
        member = api.user(5001, "Mia")
        command = await api.send_text(member, api.private_chat(member), "/image a lighthouse at dusk")
        await api.wait_until(lambda: api.sent("editMessageMedia"), timeout=30)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert query(db, "SELECT state FROM jobs") == [("ready",)]  # posted, not recorded

        api.answer_slowly("editMessageMedia", 0)
        second = await start_reelbot(api, simulator, tmp_path, log=tmp_path / "second.log")
        try:
            await wait_for(lambda: query(db, "SELECT state FROM jobs") == [("delivered",)], timeout=60,
                           what="the job to be delivered")
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
    finally:
        await api.close()

    [message] = api.replies_to(command)  # one message: the answer that became the result
    assert message["caption"].startswith("a lighthouse at dusk")
    assert is_png(api.file_bytes(message["photo"][-1]["file_id"]))
    assert len(api.sent("editMessageMedia")) == 2  # delivered again, into the same message
    assert [c.params.get("message_id") for c in api.sent("editMessageMedia")] == [message["message_id"]] * 2
    assert len(api.sent("sendPhoto")) == 1  # the placeholder; no second photo
    said = (tmp_path / "second.log").read_text()
    assert "it replaces its placeholder, so it is made again in the same message" in said and "posting it again" not in said
