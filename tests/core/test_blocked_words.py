"""Blocked words in the core, on SQLite and PostgreSQL: refused before quota, recorded once
per event for the operator, counted by scope; a chat's list kept in the store, changed with
an audit row; `reelbot admin words|blocked` on the command line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.domain.requests import Requester
from bot.errors import UserError, ValidationError
from bot.words.blocklist import BLOCKED, PromptBlocked
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request
from tests.media import image_bytes

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = Requester("cli", "operator", is_admin=True)


@pytest.fixture
def blocklist_file(tmp_path) -> Path:
    path = tmp_path / "blocked.txt"
    path.write_text("nude\nre:(a+)+$\nre:\\bgore\\w*\n", encoding="utf-8")
    return path


@pytest.fixture
async def make(make_core, blocklist_file):
    async def build(**settings):
        core = await make_core(blocklist_file=blocklist_file, **settings)
        core.register("test", RecordingMessenger())
        await core.start()
        return core
    return build


def blocked_count(core, scope: str) -> float:
    return core.metrics.registry.get_sample_value("reelbot_prompts_blocked_total", {"scope": scope}) or 0


async def test_a_blocked_prompt_is_refused_before_anything_is_reserved_or_sent(make, simulator, backend):
    core = await make(**backend)

    with pytest.raises(PromptBlocked) as info:
        await core.submit(request("image", "a ｎｕｄｅ statue"))

    assert isinstance(info.value, ValidationError) and info.value.text == BLOCKED and info.value.scope == "operator"
    assert not simulator.requests and (await core.quota(ALICE)).used_today == 0
    assert blocked_count(core, "operator") == 1


async def test_a_negative_prompt_is_checked_like_the_prompt(make, simulator):
    core = await make()
    with pytest.raises(PromptBlocked):
        await core.submit(request("image", "a quiet street", image=image_bytes(640, 480, "JPEG"),
                                  negative_prompt="gorefest"))
    assert not simulator.requests


async def test_a_blocked_event_handled_twice_is_recorded_and_counted_once(make, backend):
    core = await make(**backend)
    keyed = replace(request("image", "a nude statue"), request_key="telegram:update:77")

    for _ in range(2):
        with pytest.raises(PromptBlocked):
            await core.submit(keyed)

    [attempt] = await core.blocklist.attempts.recent()
    assert (attempt.scope, attempt.user_key, attempt.chat_key) == ("operator", "test:alice", "test:chat-1")
    assert (attempt.command, attempt.prompt, attempt.entry) == ("image", "a nude statue", "nude")
    assert blocked_count(core, "operator") == 1


async def test_a_chats_words_apply_only_there_and_each_change_is_audited(make, simulator, backend):
    core = await make(**backend)
    assert "Added to test:chat-1: owl, barn cat." in await core.admin.words(
        OPERATOR, "add", "test:chat-1", ["owl", "barn cat", "owl"])
    other = Requester("test", "carol", chat_id="chat-2", name="Carol")

    with pytest.raises(PromptBlocked) as info:
        await core.submit(request("image", "a BARN CAT"))
    await core.submit(request("image", "a barn cat", who=other))

    assert info.value.scope == "chat" and blocked_count(core, "chat") == 1
    assert await core.blocklist.chats.words("test:chat-1") == ["barn cat", "owl"]
    assert "Removed from test:chat-1: owl" in await core.admin.words(OPERATOR, "remove", "test:chat-1", ["owl"])
    await core.submit(request("image", "an owl"))
    actions = [(a[2], a[3], a[4]) for a in await core._policy.audit_log(5)]  # the audit trail is the point
    assert actions[:2] == [("words remove", "test:chat-1", "owl"), ("words add", "test:chat-1", "owl, barn cat")]


async def test_only_admins_change_a_chats_words_and_regular_expressions_are_not_taken(make):
    core = await make()
    with pytest.raises(UserError, match="Only the bot's admins"):
        await core.admin.words(ALICE, "add", "test:chat-1", ["owl"])
    with pytest.raises(UserError, match="operator's list only"):
        await core.admin.words(OPERATOR, "add", "test:chat-1", ["re:owl.*"])
    assert await core.blocklist.chats.words("test:chat-1") == []


def admin(tmp_path: Path, blocklist_file: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", "admin", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "REELBOT_DB": str(tmp_path / "reelbot.db"),
                               "REELBOT_BLOCKLIST_FILE": str(blocklist_file)})


async def test_reelbot_admin_words_reports_the_refused_pattern_and_changes_a_chats_words(make, tmp_path,
                                                                                       blocklist_file, simulator):
    core = await make()

    report = admin(tmp_path, blocklist_file, "words")
    added = admin(tmp_path, blocklist_file, "words", "add", "test:chat-1", "owl", "barn cat")

    assert report.returncode == 0, report.stderr
    assert "1 words and phrases, 1 regular expressions" in report.stdout
    assert "line 2: 're:(a+)+$': too slow" in report.stdout
    assert added.returncode == 0 and "Added to test:chat-1: owl, barn cat." in added.stdout
    with pytest.raises(PromptBlocked):
        await core.submit(request("video", "an owl at night"))
    listed = admin(tmp_path, blocklist_file, "words", "list", "test:chat-1")
    assert "Blocked words in test:chat-1 (2): barn cat, owl" in listed.stdout
    blocked = admin(tmp_path, blocklist_file, "blocked")
    assert "chat     test:alice in test:chat-1 /video [owl] 'an owl at night'" in blocked.stdout
    assert not simulator.requests


async def test_blocked_attempts_are_kept_no_longer_than_finished_jobs_prompts(make_core, blocklist_file):
    now = [1_767_225_600.0]
    core = await make_core(blocklist_file=blocklist_file, keep_days=30, clock=lambda: now[0])
    core.register("test", RecordingMessenger())
    for prompt in ("a nude statue", "a nude painting"):
        with pytest.raises(PromptBlocked):
            await core.submit(request("image", prompt))
        now[0] += 31 * 86400

    assert [a.prompt for a in await core.blocklist.attempts.recent()] == ["a nude painting"]
