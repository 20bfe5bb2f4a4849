"""Operator controls in the core: where the bot answers, bans, tiers, grants, limits, the
pause, alerts to admins, and admin reports. Every refusal costs nothing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.admin import NOT_ADMIN
from bot.domain.requests import Requester
from bot.errors import QuotaExceeded
from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import ALICE, BOB, ledger_balances, request

ADMIN = Requester("test", "root", chat_id="chat-1", name="Root", is_admin=True)
ROOT = Path(__file__).resolve().parents[2]


class AlertedMessenger(RecordingMessenger):
    def __init__(self):
        super().__init__()
        self.alerts: list[str] = []

    async def alert_admins(self, text):
        self.alerts.append(text)


@pytest.fixture
def messenger():
    return AlertedMessenger()


@pytest.fixture
async def make(make_core, messenger):
    async def build(**settings):
        core = await make_core(**settings)
        core.register("test", messenger)
        await core.start()
        return core
    return build


async def refused(core, simulator, req, *words: str) -> None:
    with pytest.raises(QuotaExceeded) as info:
        await core.submit(req)
    for word in words:
        assert word in str(info.value)
    assert not simulator.requests and (await core.quota(req.requester)).used_today == 0


async def test_a_chat_outside_the_allowed_ones_is_refused(make, simulator):
    core = await make(allowed_chats=frozenset({"chat-9"}))
    await refused(core, simulator, request("image", "a fox"), "not available in this chat")
    await core.submit(request("image", "a fox", who=Requester("test", "x", chat_id="chat-9")))


async def test_private_messages_are_refused_when_dms_are_off(make, simulator):
    core = await make(allow_dms=False)
    await refused(core, simulator, request("image", "a fox", who=Requester("test", "dm", private=True)),
                  "private messages")


async def test_a_banned_member_is_refused_until_unbanned(make, simulator):
    core = await make()
    await core.admin.ban(ADMIN, ALICE.user_key, "spam")
    await refused(core, simulator, request("image", "a fox"), "cannot use this bot")
    await core.admin.unban(ADMIN, ALICE.user_key)
    await core.submit(request("image", "a fox"))


async def test_a_role_bound_tier_gives_its_credits_and_the_best_role_wins(make, simulator):
    core = await make(tiers={"vip": (200, 4), "pro": (100, 3)}, role_tiers={"r1": "pro", "r2": "vip"},
                      daily_credits=10)
    member = Requester("test", "carol", chat_id="chat-1", roles=("r1", "r2"))
    status = await core.quota(member)
    assert status.daily_credits == 200 and status.max_in_flight == 4 and status.tier == "vip"
    await core.admin.limit(ADMIN, "tier", "vip", 50, 1)
    assert (await core.quota(member)).daily_credits == 50


async def test_a_grant_counts_in_quota_and_can_be_spent(make, simulator):
    core = await make(daily_credits=5)
    await core.submit(request("video", "a cat"))
    with pytest.raises(QuotaExceeded):
        await core.submit(request("video", "another cat"))
    await core.admin.grant(ADMIN, ALICE.user_key, 5, "birthday")
    status = await core.quota(ALICE)
    assert status.daily_credits == 10 and status.granted_today == 5
    await core.submit(request("video", "another cat"))
    await core.wait_idle()
    assert await ledger_balances(core)


async def test_user_and_chat_limits_apply_to_the_next_request(make, simulator):
    core = await make()
    await core.admin.limit(ADMIN, "user", ALICE.user_key, 0)
    await refused(core, simulator, request("image", "a fox"), "0 left")
    await core.admin.limit(ADMIN, "chat", BOB.chat_key, 0)
    await refused(core, simulator, request("image", "a fox", who=BOB), "This chat")


async def test_a_pause_refuses_new_jobs_with_its_reason_and_resume_lifts_it(make, simulator):
    core = await make()
    await core.admin.pause(ADMIN, "maintenance")
    await refused(core, simulator, request("image", "a fox"), "paused by its operator (maintenance)")
    await core.admin.resume(ADMIN)
    await core.submit(request("image", "a fox"))


async def test_every_admin_action_is_refused_to_a_member_and_changes_nothing(make, simulator):
    core = await make()
    for action in (core.admin.grant(ALICE, ALICE.user_key, 100), core.admin.ban(ALICE, BOB.user_key),
                   core.admin.unban(ALICE, BOB.user_key), core.admin.limit(ALICE, "user", BOB.user_key, 0),
                   core.admin.pause(ALICE), core.admin.resume(ALICE), core.admin.refund(ALICE, "x"),
                   core.admin.usage(ALICE), core.admin.jobs(ALICE)):
        with pytest.raises(QuotaExceeded, match=str(NOT_ADMIN)):
            await action
    assert (await core.admin.usage(ADMIN)).audit == []


async def test_an_admin_refund_gives_a_delivered_jobs_credits_back_once(make, simulator):
    core = await make()
    ticket = await core.submit(request("video", "a cat"))
    await core.wait_idle()
    assert (await core.quota(ALICE)).used_today == 5
    assert "given back" in await core.admin.refund(ADMIN, ticket.job_id)
    assert "refunded already" in await core.admin.refund(ADMIN, ticket.job_id)
    assert (await core.quota(ALICE)).used_today == 0
    assert (await core.operator_spend()).mptc == 500  # 302.AI billed it all the same
    assert await ledger_balances(core)


async def test_usage_reports_members_operator_spend_and_the_audit_trail(make, simulator):
    core = await make()
    await core.submit(request("image", "a fox"))
    await core.submit(request("video", "a cat", who=BOB))
    await core.wait_idle()
    await core.admin.ban(ADMIN, "test:mallory", "spam")
    report = await core.admin.usage(ADMIN, "7d")
    assert report.members_credits == 6 and report.operator_mptc == 600
    assert report.by_user[0] == (BOB.user_key, 5, 1) and report.by_model[0][0] == "T2V-01"
    assert "test:root ban test:mallory spam" in report.table()
    assert "T2V-01" in await core.admin.jobs(ADMIN, BOB.user_key)


# a balance pause does not lift after a probe: tests/core/test_balance_pause.py
@pytest.mark.parametrize("fault, cause", [("auth", "API key")])
async def test_a_refused_account_pauses_alerts_once_refunds_queued_jobs_and_lifts_after_a_probe(
        make, simulator, messenger, fault, cause):
    core = await make(probe_interval=0.2, max_in_flight=10)
    simulator.configure(fault=fault)
    await asyncio.gather(*(core.submit(request("image", f"fox {i}")) for i in range(4)))
    await core.wait_idle()
    assert len(messenger.alerts) == 1 and cause in messenger.alerts[0]
    assert len(messenger.failures) == 4 and (await core.quota(ALICE)).used_today == 0
    with pytest.raises(QuotaExceeded, match="paused by its operator's account"):
        await core.submit(request("image", "later"))
    simulator.configure(fault=None)  # the operator fixed the account
    await wait_for(lambda: len(messenger.alerts) == 2, what="the all-clear")
    await core.submit(request("image", "a fox at last"))
    await core.wait_idle()
    assert len(messenger.delivered) == 1 and await ledger_balances(core)


async def test_admins_hear_when_spend_passes_80_and_100_percent_of_the_ceiling(make, simulator, messenger):
    core = await make(bot_daily_mptc=1000, daily_credits=100, max_in_flight=10)
    for i in range(2):
        await core.submit(request("video", f"cat {i}"))
        await core.wait_idle()
        core.guard._last_spend_check = 0  # no throttle between the two, for the test
    assert [a for a in messenger.alerts if "80 %" in a] and [a for a in messenger.alerts if "100 %" in a]
    assert any("spent 1 of its 1 PTC" in a for a in messenger.alerts)  # what 302.AI charged, in PTC


@pytest.mark.sqlite_only
async def test_reelbot_admin_on_the_command_line_changes_what_the_running_bot_does(make, simulator, tmp_path):
    core = await make()
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "admin", "ban", ALICE.user_key, "from", "the", "shell"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "REELBOT_DB": str(tmp_path / "reelbot.db")})
    assert result.returncode == 0, result.stderr
    await refused(core, simulator, request("image", "a fox"), "cannot use this bot")
    usage = subprocess.run([sys.executable, "-m", "entrypoints.cli", "admin", "usage"], capture_output=True,
                           text=True, timeout=60, cwd=ROOT,
                           env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                "REELBOT_DB": str(tmp_path / "reelbot.db")})
    assert "ban test:alice from the shell" in usage.stdout
