"""A model switched off by an operator (the console's Models page, `reelbot admin model`):
refused to members at once by every process on the database, with a clear sentence; keyed,
audited, and never able to offer what REELBOT_VIDEO_MODELS denies."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.access import Refused
from bot.bootstrap import open_desk
from bot.domain.requests import Requester
from bot.errors import ValidationError
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = Requester("console", "cli:op", is_admin=True)
IMAGE_MODEL = "minimaxi-image-01"  # /image's default model


@pytest.fixture
async def core(make_core, backend):
    core = await make_core(video_models="kling-*,!kling-21-pro", **backend)
    core.register("test", RecordingMessenger())
    await core.start()
    return core


@pytest.fixture
async def desk(core):
    desk = await open_desk(core.settings)  # a connection of its own, as another process has
    yield desk
    await desk.close()


async def refusal(core) -> str | None:
    """What the core answers a member asking for the image model now: the refusal, or None."""
    try:
        await core.submit(request("image", "a fox"))
    except ValidationError as refused:
        return str(refused)
    return None


async def until(check, timeout: float = 10.0):
    """Ask again until `check()` gives a truthy answer: another process's switch reaches this
    one at its next look at the store (SQLite: at once; PostgreSQL: within a second)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (answer := await check()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return answer


async def test_a_model_switched_off_elsewhere_is_refused_and_taken_again_when_on(core, desk, backend):
    answer = await desk.admin.switch_model(OPERATOR, IMAGE_MODEL.upper(), False, key="console:n1")
    assert "is off" in answer
    if not backend:  # SQLite: the very next request sees another connection's commit
        assert "switched off by the bot's operator" in (await refusal(core) or "")
    assert "switched off by the bot's operator" in await until(lambda: refusal(core))
    assert "is on again" in await desk.admin.switch_model(OPERATOR, IMAGE_MODEL, True, key="console:n2")
    await until(lambda: _accepted(core))
    await core.wait_idle()
    assert [r["action"] for r in await core.db.fetchall("SELECT action FROM audit ORDER BY id")] == [
        "model off", "model on"]


async def _accepted(core) -> bool:
    return await refusal(core) is None


async def test_the_same_switch_sent_twice_changes_nothing_the_second_time(core, desk):
    await desk.admin.switch_model(OPERATOR, IMAGE_MODEL, False, key="console:twice")
    await desk.admin.switch_model(OPERATOR, IMAGE_MODEL, True, key="console:on")
    again = await desk.admin.switch_model(OPERATOR, IMAGE_MODEL, False, key="console:twice")
    assert "nothing changed" in again
    assert await core.db.fetchall("SELECT * FROM models_off") == []
    rows = await core.db.fetchall("SELECT actor FROM audit WHERE action = 'model off'")
    assert [r["actor"] for r in rows] == ["console:cli:op"]


async def test_a_model_the_settings_deny_cannot_be_switched_on_and_unknown_names_are_refused(core, desk):
    with pytest.raises(Refused, match="REELBOT_VIDEO_MODELS"):
        await desk.admin.switch_model(OPERATOR, "kling-21-pro", True, key="console:deny")
    with pytest.raises(Refused, match="no model"):
        await desk.admin.switch_model(OPERATOR, "no-such-model", False, key="console:unknown")
    member = Requester("test", "alice", chat_id="chat-1")
    with pytest.raises(Refused, match="admins"):
        await desk.admin.switch_model(member, IMAGE_MODEL, False)
    assert await core.db.fetchall("SELECT * FROM models_off") == []


def test_reelbot_admin_model_switches_off_lists_and_refuses_a_denied_model(tmp_path):
    def admin(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "entrypoints.cli", "--env-file", str(tmp_path / "none.env"),
                               "admin", "--data-dir", str(tmp_path), *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                                             "REELBOT_VIDEO_MODELS": "!sora-*"})
    from bot.store.database import Database

    async def make() -> None:
        await (await Database.open(tmp_path / "reelbot.db")).close()
    asyncio.run(make())
    off = admin("model", "off", "kling-21")
    assert off.returncode == 0 and "kling-21 is off" in off.stdout, off.stderr
    listed = admin("model", "list")
    assert listed.stdout.startswith("kling-21  off since") and "by cli:" in listed.stdout
    refused = admin("model", "on", "sora-2")
    assert refused.returncode != 0 and "REELBOT_VIDEO_MODELS" in refused.stderr


async def test_a_model_switched_off_leaves_models_and_completions(core, desk):
    from bot.catalog.listing import models_page
    from bot.domain.requests import Command

    def listed() -> bool:
        return "kling-21" in [m.name for m in core.catalog.search(Command.VIDEO, "kling-21")]

    async def looked(want: bool) -> bool:
        await core.quota(ALICE)  # any look at the operator's rules reads the switches again
        return listed() is want

    def page() -> str:
        return "\n".join(models_page(core.catalog, n).text.render("en") for n in range(models_page(core.catalog, 0).pages))

    assert listed() and "• kling-21:" in page()
    await desk.admin.switch_model(OPERATOR, "kling-21", False, key="console:list-off")
    await until(lambda: looked(False))
    assert "• kling-21:" not in page()
    await desk.admin.switch_model(OPERATOR, "kling-21", True, key="console:list-on")
    await until(lambda: looked(True))
