"""The operator's view and reset of one chat's own /settings (bot.chats.operator through
AdminDesk.chat_settings), on SQLite and PostgreSQL: the view shows what the chat's admins set
beside the operator's bounds; a reset clears it and the chat's own words in one audited,
keyed transaction, applies to the next request at once, and touches no other chat."""

from __future__ import annotations

import pytest

from bot.access import Refused
from bot.admin import NOT_ADMIN
from bot.chats.desk import ChatActor
from bot.domain.requests import Requester
from tests.conftest import RecordingMessenger

OPERATOR = Requester("cli", "op", is_admin=True)
CHAT = "telegram:-100123"
GROUP_ADMIN = ChatActor(Requester("telegram", "42", chat_id="-100123"), chat_admin=True)
OTHER_ADMIN = ChatActor(Requester("telegram", "43", chat_id="-100999"), chat_admin=True)


@pytest.fixture
async def core(make_core, backend):
    core = await make_core(chat_daily_credits=40, daily_credits=20, **backend)
    core.register("telegram", RecordingMessenger())
    return core


async def set_up(core, actor: ChatActor = GROUP_ADMIN) -> None:
    desk = core.chat_desk
    await desk.budget(actor, 30)
    await desk.member_limit(actor, 10)
    await desk.commands(actor, ["image", "video"])
    await desk.models(actor, ["kling-*"])
    await desk.progress(actor, False)
    await desk.words(actor, "add", ["moonshine", "red dragon"])


async def audit_of(core, action: str) -> list[tuple]:
    return [tuple(r) for r in await core._store.db.fetchall(
        "SELECT actor, target, detail, event_key FROM audit WHERE action = ? ORDER BY id", (action,))]


async def test_the_view_shows_what_the_chats_admins_set_beside_the_operators_bounds(core):
    await set_up(core)

    view = await core.admin.chat_settings(OPERATOR, CHAT)

    assert view.splitlines()[0] == f"{CHAT}: what its admins set with /settings (the operator's settings always win)"
    assert "  daily budget: 30 credits (the operator allows: 40 credits)" in view
    assert "  per member a day: 10 credits (the operator allows: 20 credits)" in view
    assert "  commands: /video, /image" in view
    assert "  models: kling-*" in view and "  progress messages: hidden" in view
    assert "  blocked words of its own (2): moonshine, red dragon" in view
    assert "  last changed by telegram:42 on " in view and "  used today: 0 credits (0 delivered)" in view


async def test_a_chat_nobody_changed_is_said_to_follow_the_operator(core):
    view = await core.admin.chat_settings(OPERATOR, CHAT)
    assert view.splitlines()[0] == f"{CHAT} has no settings of its own: the operator's apply there."


async def test_a_reset_clears_settings_and_words_in_one_audit_row_and_the_next_request_sees_it(core):
    await set_up(core)
    await set_up(core, OTHER_ADMIN)

    answer = await core.admin.chat_settings(OPERATOR, CHAT, reset=True, key="event-1")

    assert answer == f"Cleared {CHAT}'s own settings and its 2 blocked words: the operator's settings apply there now."
    assert await audit_of(core, "chat reset") == [("cli:op", CHAT, "settings cleared, 2 blocked words removed",
                                                   "event-1")]
    assert (await core.chat_desk.settings(GROUP_ADMIN)).daily_credits is None  # at once, not after a cache
    assert await core.blocklist.chats.words(CHAT) == []
    other = await core.chat_desk.settings(OTHER_ADMIN)
    assert other.daily_credits == 30 and await core.blocklist.chats.words("telegram:-100999")


async def test_the_same_reset_event_handled_twice_clears_once(core):
    await set_up(core)
    await core.admin.chat_settings(OPERATOR, CHAT, reset=True, key="event-1")
    await core.chat_desk.budget(GROUP_ADMIN, 25)  # the group's admins set it again meanwhile

    again = await core.admin.chat_settings(OPERATOR, CHAT, reset=True, key="event-1")

    assert again == f"{CHAT}'s own settings are cleared: the operator's apply there."
    assert (await core.chat_desk.settings(GROUP_ADMIN)).daily_credits == 25
    assert len(await audit_of(core, "chat reset")) == 1


async def test_a_reset_with_nothing_to_clear_writes_nothing(core):
    answer = await core.admin.chat_settings(OPERATOR, CHAT, reset=True)
    assert answer == f"{CHAT} had no settings of its own; nothing changed."
    assert await audit_of(core, "chat reset") == []


async def test_only_the_bots_admins_may_see_or_reset_a_chats_settings(core):
    await set_up(core)
    member = Requester("telegram", "42", chat_id="-100123")  # even the group's own admin
    for reset in (False, True):
        with pytest.raises(Refused) as refused:
            await core.admin.chat_settings(member, CHAT, reset=reset)
        assert refused.value.text == NOT_ADMIN
    assert (await core.chat_desk.settings(GROUP_ADMIN)).daily_credits == 30


async def test_a_chat_not_named_as_platform_and_id_is_refused(core):
    with pytest.raises(Refused, match="names no chat: write telegram:CHAT_ID or discord:SERVER_ID"):
        await core.admin.chat_settings(OPERATOR, "my group")
