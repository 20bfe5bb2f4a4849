"""Discord past one gateway session: shards (AutoShardedClient), and a deliver-only worker that
reaches Discord through REST alone."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx

from entrypoints.ops import OpsListener
from tests.discord.fake_discord_gateway import shard_of


async def test_a_shard_count_alone_runs_every_shard_here_and_each_server_is_answered_on_its_own(
        start_bot, fake_discord):
    first = fake_discord.add_guild(shard=0, shard_count=2)
    second = fake_discord.add_guild(shard=1, shard_count=2)
    bot = await start_bot(shard_count=2)

    assert sorted(tuple(i["shard"]) for i in fake_discord.identifies) == [(0, 2), (1, 2)]
    assert fake_discord.gateway.ready_shards() == {(0, 2), (1, 2)}
    assert bot.adapter.connected
    for guild, channel in (first, second):
        interaction = await fake_discord.invoke("image", prompt="a red fox", channel=channel)
        result = await fake_discord.result_of(interaction)
        assert result.files and result.guild_id == guild
    [shard_0] = [s for s in fake_discord.gateway.sessions if s.shard == (0, 2)]
    [shard_1] = [s for s in fake_discord.gateway.sessions if s.shard == (1, 2)]
    assert shard_0.events.count("INTERACTION_CREATE") == shard_1.events.count("INTERACTION_CREATE") >= 1
    assert [scope for scope, _ in fake_discord.sync_calls] == ["global"]


async def test_a_process_running_some_shards_hears_only_of_their_servers(start_bot, fake_discord):
    mine = fake_discord.add_guild(shard=1, shard_count=3)
    other = fake_discord.add_guild(shard=2, shard_count=3)
    fake_discord.recommended_shards = 3
    await start_bot(shard_count=3, shard_ids=(1,), gateway_url=None)  # the gateway asked from /gateway/bot

    [session] = fake_discord.gateway.sessions
    assert session.shard == (1, 3)
    guilds = set(session.guilds)
    assert mine[0] in guilds and other[0] not in guilds
    assert all(shard_of(g, 3) == 1 for g in guilds)
    assert fake_discord.sync_calls == []  # registering the commands is shard 0's process's job


async def test_a_worker_without_a_gateway_delivers_a_job_a_front_process_accepted(
        start_bot, fake_discord, simulator, tmp_path):
    front = await start_bot(db_path=tmp_path / "shared.db", core_settings={"runs_jobs": False})
    interaction = await fake_discord.invoke("image", prompt="a red fox")
    await fake_discord.status_of(interaction, "Queued")
    await front.stop()
    assert simulator.billed == []  # the front stored the job and left it to a worker
    sessions = len(fake_discord.gateway.sessions)

    worker = await start_bot(db_path=tmp_path / "shared.db", gateway=False)
    result = await fake_discord.result_of(interaction)
    await worker.core.wait_idle()

    assert result.files and len(simulator.billed) == 1
    assert _job_states(tmp_path / "shared.db") == ["delivered"]
    assert len(fake_discord.gateway.sessions) == sessions  # the worker opened no gateway session
    assert worker.adapter.connected


async def test_health_follows_a_gateway_less_workers_rest_checks(start_bot, fake_discord):
    # the shard settings a worker may share with the front processes' .env open no shard here
    worker = await start_bot(gateway=False, rest_check_interval=0.05, shard_count=2, shard_ids=(0,))
    listener = OpsListener(worker.core, {"discord": worker.adapter}, "127.0.0.1:0")
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as http:
            health = await http.get("/healthz")
            assert health.status_code == 200 and health.json()["platforms"] == {"discord": "connected"}
            fake_discord.token = "reset-in-the-developer-portal"  # every REST call now gets 401
            await fake_discord.wait_for(lambda: not worker.adapter.connected, what="the REST check to fail")
            down = await http.get("/healthz")
            assert down.status_code == 503 and down.json()["platforms"] == {"discord": "down"}
    finally:
        await listener.stop()
    assert fake_discord.identifies == []


def _job_states(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [state for (state,) in connection.execute("SELECT state FROM jobs")]
