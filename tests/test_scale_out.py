"""Several `reelbot run` processes on one bot: Discord shards split between processes, and a
worker that delivers through the platforms' REST APIs what a front process took.

Two processes cannot share one SQLite database (bot.store.lock refuses the second), so the
shards run on a database each, and the front and the worker use the same file one after
the other.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import warnings
from contextlib import closing
from pathlib import Path

import httpx
import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from tests.conftest import SIM_KEY, wait_for
from tests.discord.fake_discord import FakeDiscord
from tests.run_process import ROOT, ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi

TELEGRAM_TOKEN = "7000003:AAHscaleOutTOKEN_0123456789abcdef"
RECEIVING_TELEGRAM = {"getUpdates", "setWebhook", "deleteWebhook", "setMyCommands"}


@pytest.fixture
async def fake_discord():
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.problems, fake.problems


@pytest.fixture
async def fake_telegram():
    fake = FakeBotApi(TELEGRAM_TOKEN)
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.unknown and not fake.errors, (fake.unknown, fake.errors)


def discord_env(fake: FakeDiscord, simulator) -> dict[str, str]:
    return {"AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url}


def telegram_env(fake: FakeBotApi) -> dict[str, str]:
    # these follow the text status message a worker edits (one message per job: test_in_place_crash.py)
    return {"TELEGRAM_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE": fake.base_url,
            "TELEGRAM_FILE_API_BASE": fake.base_file_url, "TELEGRAM_RESULT_IN_PLACE": "false"}


def job_states(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [state for (state,) in connection.execute("SELECT state FROM jobs")]


def destinations(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [destination for (destination,) in connection.execute("SELECT destination FROM jobs")]


async def test_two_processes_split_the_shards_and_a_servers_command_is_answered_by_its_shards_process_only(
        simulator, fake_discord, tmp_path):
    guild, channel = fake_discord.add_guild(shard=1, shard_count=2)
    shards = [ReelbotProcess(discord_env(fake_discord, simulator) | {
        "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": str(shard), "REELBOT_DATA_DIR": str(tmp_path / f"shard{shard}"),
    }, tmp_path / f"shard{shard}") for shard in (0, 1)]
    try:
        for process in shards:
            await process.start()
        for process in shards:
            await process.line(r"reelbot is running \(DiscordAdapter\)")
        assert fake_discord.gateway.ready_shards() == {(0, 2), (1, 2)}

        interaction = await fake_discord.invoke("image", prompt="a red fox", channel=channel)
        result = await fake_discord.result_of(interaction, timeout=30)
    finally:
        codes = [await process.stop() for process in shards]

    assert codes == [0, 0], [p.output for p in shards]
    assert result.files and result.guild_id == guild
    assert job_states(tmp_path / "shard1" / "reelbot.db") == ["delivered"]
    assert job_states(tmp_path / "shard0" / "reelbot.db") == []
    [shard_0] = [s for s in fake_discord.gateway.sessions if s.shard == (0, 2)]
    [shard_1] = [s for s in fake_discord.gateway.sessions if s.shard == (1, 2)]
    assert "INTERACTION_CREATE" not in shard_0.events and shard_1.events.count("INTERACTION_CREATE") == 1
    assert guild in shard_1.guilds and guild not in shard_0.guilds
    assert [scope for scope, _ in fake_discord.sync_calls] == ["global"]  # by shard 0's process alone
    assert "shards [1] of 2" in shards[1].output


async def test_a_worker_delivers_what_a_stopped_front_took_on_both_platforms_without_receiving_anything(
        simulator, fake_discord, fake_telegram, tmp_path):
    env = discord_env(fake_discord, simulator) | telegram_env(fake_telegram) | {"REELBOT_DATA_DIR": str(tmp_path)}
    front = await ReelbotProcess(env, tmp_path, "--role=front").start()
    try:
        await front.line(r"reelbot is running \(TelegramAdapter, DiscordAdapter\) as a front")
        ann = fake_telegram.user(1001, "Ann", "ann")
        command = await fake_telegram.send_text(ann, fake_telegram.private_chat(ann), "/image a red fox")
        interaction = await fake_discord.invoke("image", prompt="a blue whale")
        await fake_telegram.wait_until(lambda: fake_telegram.reply_with(command, "text"), timeout=30)
        await fake_discord.status_of(interaction, "Queued", timeout=30)
    finally:
        assert await front.stop() == 0, front.output
    assert simulator.billed == [] and sorted(job_states(tmp_path / "reelbot.db")) == ["queued", "queued"]

    telegram_calls, discord_sessions = len(fake_telegram.calls), len(fake_discord.gateway.sessions)
    worker = await ReelbotProcess(env | {"REELBOT_HTTP_LISTEN": "127.0.0.1:0"}, tmp_path, "--role=worker").start()
    try:
        port = int((await worker.line(r"operators' listener on 127\.0\.0\.1:(\d+)"))[1])
        photo = await fake_telegram.wait_until(lambda: fake_telegram.reply_with(command, "photo"), timeout=30)
        result = await fake_discord.result_of(interaction, timeout=30)
        async with httpx.AsyncClient() as http:
            health = await http.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        assert await worker.stop() == 0, worker.output

    assert photo and result.files and len(simulator.billed) == 2
    assert job_states(tmp_path / "reelbot.db") == ["delivered", "delivered"]
    assert health.status_code == 200, health.text
    assert health.json()["platforms"] == {"telegram": "connected", "discord": "connected"}
    worker_calls = {c.method for c in fake_telegram.calls[telegram_calls:]}
    assert not worker_calls & RECEIVING_TELEGRAM, worker_calls
    assert len(fake_discord.gateway.sessions) == discord_sessions  # no gateway connection from the worker
    assert "as a worker" in worker.output
    assert TELEGRAM_TOKEN not in worker.output + front.output and fake_discord.token not in worker.output


@pytest.mark.parametrize("env, args, says", [
    ({"DISCORD_TOKEN": "x", "DISCORD_SHARD_IDS": "1"}, [], "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
    ({"DISCORD_TOKEN": "x", "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,2"}, [],
     "shard 2 does not exist with DISCORD_SHARD_COUNT=2"),
    ({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_RECEIVE": "webhook"}, [], "TELEGRAM_RECEIVE=webhook needs"),
    ({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_RECEIVE": "off"}, ["--role=front"], "a front process takes commands"),
])
def test_run_refuses_to_start_on_settings_that_cannot_work_and_says_why(tmp_path, env, args, says):
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "--env-file", str(tmp_path / "none.env"), "run",
                           *args], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "AI302_API_KEY": SIM_KEY, **env})
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr


class HeldQueuedAnswer(FakeBotApi):
    """Telegram takes the first sendMessage (the "Queued" reply) at once but holds its answer
    until `release` is set: the front cannot store that message's id before then."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.release = asyncio.Event()
        self._held = False

    async def _api_sendMessage(self, params, files):
        message = await super()._api_sendMessage(params, files)
        if not self._held:
            self._held = True
            await self.release.wait()
        return message


async def test_a_worker_that_claimed_a_job_before_its_queued_answer_was_stored_still_updates_that_message(
        simulator, tmp_path):
    fake = HeldQueuedAnswer(TELEGRAM_TOKEN)
    await fake.start()
    simulator.configure(video_seconds=600)  # still running when the test ends
    # a short lease: the worker looks for unowned jobs every 0.5 s, well inside the front's
    # wait for its answer
    env = telegram_env(fake) | {"AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url,
                                "REELBOT_DATA_DIR": str(tmp_path), "REELBOT_LEASE_SECONDS": "2"}
    worker = await ReelbotProcess(env, tmp_path, "--role=worker").start()
    front = ReelbotProcess(env, tmp_path, "--role=front")
    try:
        await worker.line(r"as a worker")
        await front.start()
        await front.line(r"as a front")
        ann = fake.user(1001, "Ann", "ann")
        command = await fake.send_text(ann, fake.private_chat(ann), "/video a red fox")
        # the worker claimed the job and sent the paid call while "Queued" had no stored id yet
        await wait_for(lambda: simulator.billed, timeout=30, what="the worker's paid call")
        queued = fake.reply_with(command, "text")
        assert queued is not None and len(fake.versions(queued)) == 1
        fake.release.set()
        await wait_for(lambda: "acknowledged" in destinations(tmp_path / "reelbot.db")[0], timeout=30,
                       what="the front to store its answer")
        # while the video runs, the worker's progress reaches the "Queued" message
        await wait_for(lambda: len(fake.versions(queued)) > 1, timeout=40, what="a progress edit")
    finally:
        fake.release.set()
        codes = [await front.stop(), await worker.stop()]
        await fake.close()
    assert codes == [0, 0], front.output + worker.output
    assert not fake.unknown and not fake.errors, (fake.unknown, fake.errors)
    # stopped while the video runs: it resumes on the next start, billed once
    assert job_states(tmp_path / "reelbot.db") == ["running"] and len(simulator.billed) == 1
