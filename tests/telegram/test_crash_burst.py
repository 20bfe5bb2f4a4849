"""`reelbot run` killed with SIGKILL in the middle of a burst of commands loses none of them.

Telegram forgets an update once the bot confirms it; the bot must have stored it by then.
After a restart every command has exactly one job (jobs are keyed on their update, so one
handled before the crash and again after it is still one job) and its status reply.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import SIM_KEY, wait_for
from tests.telegram.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000003:AAHcrashTOKEN_0123456789abcdef"
BURST = 200


def query(db: Path, sql: str) -> list[tuple]:
    """Read the bot's database as an operator would; nothing before the schema exists."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        conn.close()


def jobs_by_command(db: Path) -> dict[tuple[int, int], int]:
    """How many jobs each command (chat id, message id) has."""
    rows = query(db, "SELECT destination FROM jobs")
    counts: dict[int, int] = {}
    for (destination,) in rows:
        key = (json.loads(destination)["chat_id"], json.loads(destination)["reply_to"])
        counts[key] = counts.get(key, 0) + 1
    return counts


async def start_reelbot(api: FakeBotApi, simulator, data_dir: Path, **settings: str) -> asyncio.subprocess.Process:
    env = {**settings,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(data_dir),
        "REELBOT_MAX_IN_FLIGHT": "1000", "REELBOT_DAILY_CREDITS": "100000", "REELBOT_BOT_DAILY_CREDITS": "0",
        "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_FILE_API_BASE": api.base_file_url,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "entrypoints.cli", "--env-file", str(data_dir / "none.env"), "run",
        env=env, cwd=data_dir, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


def acks(api: FakeBotApi) -> list:
    # a text status, or (one message per job, the default) the placeholder photo
    return api.sent("sendMessage") + api.sent("sendPhoto")


def confirmed_a_batch(api: FakeBotApi) -> bool:
    return any(c.method == "getUpdates" and (c.params.get("offset") or 0) > 0 for c in api.calls)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kill_when", ["just after the first batch was confirmed", "half-way through the replies"])
async def test_a_bot_killed_mid_burst_loses_no_command(simulator, tmp_path, kill_when):
    simulator.configure(video_seconds=600)  # jobs stay in flight: what counts here is their number
    api = FakeBotApi(TOKEN)
    await api.start()
    try:
        first = await start_reelbot(api, simulator, tmp_path)
        await api.wait_until(lambda: api.commands, timeout=30)  # started: the menu is set
        commands = []
        for n in range(BURST):
            member = api.user(5000 + n, f"M{n}")
            commands.append(await api.send_text(member, api.private_chat(member), f"/video a cat, take {n}"))
        if kill_when.startswith("just after"):
            await api.wait_until(lambda: confirmed_a_batch(api), timeout=30)
        else:
            await api.wait_until(lambda: len(acks(api)) >= BURST // 2, timeout=30)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        replied_before = len(acks(api))
        # the commands whose answer the bot had written down: these must never be answered twice
        recorded = {(d["chat_id"], d["reply_to"]) for d in map(json.loads, (
            row[0] for row in query(tmp_path / "reelbot.db", "SELECT destination FROM jobs"))) if d.get("status_id")}
        assert replied_before < BURST, "the burst was over before the kill"
        assert kill_when.startswith("just after") or recorded, "half-way, most answers are written down"

        second = await start_reelbot(api, simulator, tmp_path)
        try:
            db = tmp_path / "reelbot.db"
            await wait_for(lambda: len(jobs_by_command(db)) == BURST, timeout=60, what="a job for every command")
            await api.wait_until(lambda: not api._updates, timeout=30)  # all confirmed to Telegram
            await wait_for(lambda: query(db, "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == [(0,)],
                           timeout=60, what="every stored update to be handled")
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
    finally:
        await api.close()

    counts = jobs_by_command(db)
    assert set(counts) == {(c["chat"]["id"], c["message_id"]) for c in commands}
    assert set(counts.values()) == {1}  # none lost, none doubled
    statuses = [len([m for m in api.replies_to(c) if "text" in m or "photo" in m]) for c in commands]
    assert min(statuses) == 1  # every member was told their job is queued
    # A reply Telegram took in the instant before the kill, but the bot had not yet recorded,
    # is sent again after the restart: at least once beats never. Only those few.
    twice = {(c["chat"]["id"], c["message_id"]) for c, n in zip(commands, statuses) if n == 2}
    assert not twice & recorded and max(statuses) <= 2
    print(f"\nkilled {kill_when} after {replied_before} replies; repeated status replies: {len(twice)}, "
          "none of them written down before the kill")
