"""Every admin action is keyed on the event that asked for it: the same event handled twice
(a Telegram update whose answer failed, a Discord interaction) changes nothing the second
time and gets the same answer."""

from __future__ import annotations

from bot.domain.requests import Requester
from bot.store.audit import ledger_problems
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request

BOSS = Requester("discord", "900", is_admin=True)


async def test_a_grant_handled_twice_under_one_key_is_applied_once_and_answered_the_same(make_core):
    core = await make_core(daily_credits=50)
    first = await core.admin.grant(BOSS, ALICE.user_key, 15, "birthday", key="discord:interaction:1")
    again = await core.admin.grant(BOSS, ALICE.user_key, 15, "birthday", key="discord:interaction:1")
    other = await core.admin.grant(BOSS, ALICE.user_key, 5, key="discord:interaction:2")

    assert first == again and "15 credits" in first and "5 credits" in other
    rows = await core._store.db.fetchall("SELECT amount FROM ledger WHERE entry = 'grant' ORDER BY id")
    assert [r["amount"] for r in rows] == [15, 5]
    assert (await core.quota(ALICE)).granted_today == 20
    assert await ledger_problems(core._store.db) == []


async def test_ban_limit_pause_and_resume_handled_twice_act_once(make_core):
    core = await make_core()
    await core.admin.ban(BOSS, ALICE.user_key, "spam", key="k-ban")
    await core.admin.unban(BOSS, ALICE.user_key, key="k-unban")
    await core.admin.ban(BOSS, ALICE.user_key, "spam", key="k-ban")  # the ban's event again: no new ban
    await core.admin.limit(BOSS, "user", ALICE.user_key, 7, key="k-limit")
    await core.admin.limit(BOSS, "user", ALICE.user_key, 9, key="k-limit-2")
    await core.admin.limit(BOSS, "user", ALICE.user_key, 7, key="k-limit")  # the old limit's event again
    await core.admin.pause(BOSS, key="k-pause")
    await core.admin.resume(BOSS, key="k-resume")
    assert await core.admin.pause(BOSS, key="k-pause") == "New jobs were already paused."

    db = core._store.db
    assert await db.fetchall("SELECT user_key FROM bans") == []
    assert (await db.fetchone("SELECT daily_credits FROM limits"))["daily_credits"] == 9
    assert await db.fetchone("SELECT 1 FROM pause") is None
    actions = [r["action"] for r in await db.fetchall("SELECT action FROM audit ORDER BY id")]
    assert actions == ["ban", "unban", "limit", "limit", "pause", "resume"]


async def test_a_refund_handled_twice_gives_the_credits_back_once(make_core):
    core = await make_core(daily_credits=50)
    core.register("test", RecordingMessenger())
    await core.start()
    ticket = await core.submit(request("image", "a fox"))
    await core.wait_idle()
    await core.admin.refund(BOSS, ticket.job_id, key="k-refund")
    await core.admin.refund(BOSS, ticket.job_id, key="k-refund")

    rows = await core._store.db.fetchall("SELECT amount FROM ledger WHERE entry = 'reversal'")
    assert len(rows) == 1
    assert await ledger_problems(core._store.db) == []


async def test_blocked_words_added_and_removed_handled_twice_change_the_list_once(make_core):
    core = await make_core()
    await core.admin.words(BOSS, "add", "test:chat-1", ["owl", "barn cat"], key="k-words-add")
    await core.admin.words(BOSS, "remove", "test:chat-1", ["owl"], key="k-words-remove")
    # both events again (their answers failed): the owl stays removed, the barn cat is not removed
    await core.admin.words(BOSS, "add", "test:chat-1", ["owl", "barn cat"], key="k-words-add")
    await core.admin.words(BOSS, "remove", "test:chat-1", ["barn cat"], key="k-words-remove")

    assert await core.blocklist.chats.words("test:chat-1") == ["barn cat"]
    rows = await core._store.db.fetchall("SELECT action, detail, event_key FROM audit WHERE action LIKE 'words%' "
                                         "ORDER BY id")
    assert [tuple(r) for r in rows] == [("words add", "owl, barn cat", "k-words-add"),
                                        ("words remove", "owl", "k-words-remove")]
