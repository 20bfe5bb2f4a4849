"""Retention purges what members no longer need and nothing of the money record; a backup
taken while jobs run opens and passes SQLite's integrity check."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.domain.requests import Command, GenerationRequest
from bot.errors import UserError
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, ledger_balances, request
from tests.media import image_bytes

ROOT = Path(__file__).resolve().parents[2]


async def test_retention_clears_tokens_images_and_old_prompts_but_never_the_ledger(make_core, tmp_path, backend):
    now = [time.time()]
    core = await make_core(clock=lambda: now[0], keep_days=30, daily_credits=100, max_in_flight=10, **backend)
    core.register("test", RecordingMessenger())
    animate = await core.submit(request("animate", "wave", image=image_bytes()))
    discord_like = {"token": "itoken.secret-secret", "expires_at": now[0] + 900}
    token_job = await core.submit(GenerationRequest(ALICE, discord_like, Command.IMAGE, "a fox"))
    await core.wait_idle()
    db = core._store.db
    ledger_before = [tuple(r) for r in await db.fetchall("SELECT * FROM ledger ORDER BY id")]

    now[0] += 1000  # tokens expired; images still within the day
    assert (await core.retention.sweep())["tokens"] == 1
    assert (await core.job(token_job.job_id)).destination["token"] == ""
    assert await core._store.image(animate.job_id) is not None

    now[0] += 2 * 86400  # the images' day is over
    assert (await core.retention.sweep())["images"] == 1
    assert await core._store.image(animate.job_id) is None
    assert (await core.job(animate.job_id)).prompt == "wave"

    now[0] += 31 * 86400
    assert (await core.retention.sweep())["prompts"] == 2
    old = await core.job(animate.job_id)
    assert old.prompt == "" and old.destination == {} and old.price == 5 and old.state == "delivered"
    with pytest.raises(UserError, match="too old to repeat"):
        await core.rerun(animate.job_id, ALICE, {})
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM ledger ORDER BY id")] == ledger_before
    assert await ledger_balances(core)


async def test_the_record_of_a_result_message_goes_with_the_prompts(make_core):
    now = [time.time()]
    core = await make_core(clock=lambda: now[0], keep_days=30)
    await core.posts.remember("telegram", "-100", "7", "job1")

    now[0] += 29 * 86400
    assert (await core.retention.sweep())["posts"] == 0
    assert await core.posts.job_for("telegram", "-100", "7") == "job1"

    now[0] += 2 * 86400
    assert (await core.retention.sweep())["posts"] == 1
    assert await core.posts.job_for("telegram", "-100", "7") is None


@pytest.mark.sqlite_only
async def test_a_backup_taken_under_load_opens_and_passes_the_integrity_check(make_core, tmp_path):
    core = await make_core(daily_credits=10_000, max_in_flight=10_000)
    core.register("test", RecordingMessenger())
    load = asyncio.gather(*(core.submit(request("image", f"fox {i}")) for i in range(300)))
    copy = tmp_path / "backups" / "copy.db"
    result = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "entrypoints.cli", "backup", str(copy), cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "REELBOT_DB": str(tmp_path / "reelbot.db")},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await result.communicate()
    await load
    await core.wait_idle()
    assert result.returncode == 0, err.decode()
    assert "integrity ok" in out.decode()
    with sqlite3.connect(copy) as backup:
        assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert backup.execute("SELECT COUNT(*) FROM ledger").fetchone()[0] >= 0


async def test_retention_removes_a_jobs_last_frame_with_its_first_a_day_after_it(make_core, backend):
    from dataclasses import replace
    now = [time.time()]
    core = await make_core(clock=lambda: now[0], **backend)
    core.register("test", RecordingMessenger())
    framed = await core.submit(replace(request("animate", "dusk", model="kling-21", image=image_bytes()),
                                       end_image=image_bytes(640, 480, "JPEG")))
    await core.wait_idle()

    now[0] += 1000
    assert (await core.retention.sweep())["inputs"] == 0 and await core._store.inputs(framed.job_id)
    now[0] += 2 * 86400
    assert (await core.retention.sweep())["inputs"] == 1
    assert await core._store.inputs(framed.job_id) == {}
