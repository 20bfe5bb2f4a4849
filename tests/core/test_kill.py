"""SIGKILL a real bot process at the worst moments; a restart on the same database ends
every job once, pays 302.AI at most once per job, and keeps both ledgers balanced."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.errors import OutcomeUnknown
from tests.conftest import SIM_KEY, RecordingMessenger, wait_for
from tests.core.bot_process import TIMING, FileMessenger, settings
from tests.core.helpers import ledger_balances
from bot.bootstrap import bootstrap

ROOT = Path(__file__).resolve().parents[2]


async def start_bot(tmp_path: Path, simulator, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.core.bot_process", "--db", str(tmp_path / "bot.db"), "--sim",
        simulator.base_url, "--key", SIM_KEY, "--posts", str(tmp_path / "posts.log"), *extra,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def restart(tmp_path: Path, simulator, messenger) -> None:
    core = await bootstrap(settings(tmp_path / "bot.db", simulator.base_url, SIM_KEY), timing=TIMING)
    try:
        core.register("file", messenger)
        await core.start()
        await core.wait_idle()
        assert await ledger_balances(core)
        assert not await core._store.unfinished()
    finally:
        await core.stop()


async def test_a_kill_during_a_paid_call_refunds_the_member_and_never_sends_it_again(tmp_path, simulator):
    simulator.configure(fault="timeout-after-accept=3")  # billed; the answer comes after the kill
    bot = await start_bot(tmp_path, simulator, "--submit", "1", "--seed", "7", "--timeout", "60")
    await wait_for(lambda: simulator.billed, timeout=30, what="the paid call")
    simulator.configure(fault=None)
    await kill(bot)  # 302.AI has taken it; the bot never heard back

    messenger = RecordingMessenger()
    await restart(tmp_path, simulator, messenger)
    posts = [r for r in simulator.requests if r["method"] == "POST"]
    assert len(posts) == 1 and len(simulator.billed) == 1
    [(_, reason)] = messenger.failures
    assert reason == str(OutcomeUnknown.user_message) and not messenger.delivered


async def test_a_kill_in_the_middle_of_a_burst_ends_every_job_once_and_pays_once(tmp_path, simulator):
    simulator.configure(video_seconds=0.5)
    bot = await start_bot(tmp_path, simulator, "--submit", "150", "--rate", "300", "--seed", "3")
    posts = FileMessenger(tmp_path / "posts.log")
    await wait_for(lambda: len(posts.lines()) >= 20, timeout=60, what="some posts")
    await kill(bot)
    await restart(tmp_path, simulator, posts)

    ended = Counter(line.split()[1] for line in posts.lines())
    assert ended and max(ended.values()) == 1, [line for line in posts.lines() if ended[line.split()[1]] > 1]
    billed = Counter(b["prompt"] for b in simulator.billed)
    assert not billed or max(billed.values()) == 1, [p for p, n in billed.items() if n > 1]
