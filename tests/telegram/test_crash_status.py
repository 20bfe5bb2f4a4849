"""A final status text still waiting out a Telegram outage when the bot is killed is shown
after the restart: the member is not left with "Processing…" above their video."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.conftest import wait_for
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_crash_burst import TOKEN, query, start_reelbot

# the status as a text message with its own done text (one message per job: test_in_place_crash.py)
TEXT_STATUS = {"TELEGRAM_RESULT_IN_PLACE": "false"}


@pytest.mark.timeout(120)
async def test_a_done_text_pending_at_a_kill_is_shown_after_the_restart(simulator, tmp_path):
    simulator.configure(video_seconds=0.2)
    api = FakeBotApi(TOKEN)
    await api.start()
    db = tmp_path / "reelbot.db"
    try:
        first = await start_reelbot(api, simulator, tmp_path, **TEXT_STATUS)
        await api.wait_until(lambda: api.commands, timeout=30)  # started: the menu is set
        member = api.user(7001, "Mei")
        command = await api.send_text(member, api.private_chat(member), "/video a heron at dawn")
        await api.wait_until(lambda: api.reply_with(command, "text"), timeout=30)
        api.fail_next("editMessageText", 502, "Bad Gateway", times=10**6)  # edits fail from now on
        await api.wait_until(lambda: api.reply_with(command, "video"), timeout=30)
        await wait_for(lambda: query(db, "SELECT state FROM jobs") == [("delivered",)]
                       and query(db, "SELECT COUNT(*) FROM pending_statuses") == [(1,)],
                       timeout=30, what="the job delivered with its last status text still to show")
        first.send_signal(signal.SIGKILL)
        await first.wait()
        status = api.reply_with(command, "text")
        assert not api.versions(status)[-1].startswith("✅")  # the kill came before it was shown

        api.heal("editMessageText")
        second = await start_reelbot(api, simulator, tmp_path, **TEXT_STATUS)
        try:
            await api.wait_until(lambda: api.versions(api.reply_with(command, "text"))[-1].startswith("✅"),
                                 timeout=30)
            await wait_for(lambda: query(db, "SELECT COUNT(*) FROM pending_statuses") == [(0,)],
                           timeout=30, what="the shown text to be forgotten")
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
    finally:
        await api.close()
    assert len(api.sent("sendVideo")) == 1  # the video itself was posted once
    assert "Done: your video is below" in api.versions(api.reply_with(command, "text"))[-1]
