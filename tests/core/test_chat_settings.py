"""A chat's own settings in the core, on SQLite and PostgreSQL: applied before quota is
reserved, clamped to the operator's bounds, each change an audit row keyed on its event, and
only for the chat's own admins; adult-only models only where the operator allows them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.access import Refused
from bot.chats.adult import ONLY_ALLOWED_CHATS, ONLY_NSFW_CHANNELS
from bot.chats.desk import NOT_CHAT_ADMIN, NOT_HERE, ChatActor
from bot.chats.rules import ADULT, QUIET
from bot.domain.requests import Requester
from bot.errors import QuotaExceeded
from bot.words.blocklist import PromptBlocked
from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import ALICE, BOB, request

CHAT_ADMIN = ChatActor(BOB, chat_admin=True)
OTHER_CHAT_ADMIN = ChatActor(Requester("test", "carol", chat_id="chat-2"), chat_admin=True)


@pytest.fixture
async def make(make_core):
    async def build(**settings):
        core = await make_core(**settings)
        core.messenger = RecordingMessenger()
        core.register("test", core.messenger)
        core.register("discord", core.messenger)
        core.register("telegram", core.messenger)
        await core.start()
        return core
    return build


async def audit_rows(core) -> list[tuple]:
    return [tuple(r) for r in await core._store.db.fetchall(
        "SELECT actor, action, target, detail FROM audit WHERE action LIKE 'chat %' ORDER BY id")]


async def test_a_chat_admins_budget_above_the_operators_cap_is_clamped_and_the_cap_holds(make, simulator, backend):
    core = await make(chat_daily_credits=3, daily_credits=100, **backend)

    answer = await core.chat_desk.budget(CHAT_ADMIN, 200, key="event-1")
    assert answer.params["credits"].n == 3 and "at most" in answer.msgid

    await core.submit(request("image", "a fox"))  # 1 credit each
    await core.submit(request("image", "a fox", who=BOB))
    await core.submit(request("image", "a fox"))
    with pytest.raises(QuotaExceeded):
        await core.submit(request("image", "a fox", who=BOB))
    assert (await core.quota(BOB)).chat_credits_left == 0


async def test_a_lower_operator_cap_wins_over_a_budget_stored_before(make, backend):
    core = await make(chat_daily_credits=100, **backend)
    await core.chat_desk.budget(CHAT_ADMIN, 50, key="event-1")
    await core.admin.limit(Requester("cli", "op", is_admin=True), "chat", "test:chat-1", 1)

    await core.submit(request("image", "a fox"))
    with pytest.raises(QuotaExceeded):
        await core.submit(request("image", "a fox", who=BOB))


async def test_a_per_member_limit_applies_to_each_member_of_the_chat(make, backend):
    core = await make(daily_credits=100, **backend)
    await core.chat_desk.member_limit(CHAT_ADMIN, 1, key="event-1")

    await core.submit(request("image", "a fox"))
    with pytest.raises(QuotaExceeded):
        await core.submit(request("image", "a fox"))
    await core.submit(request("image", "a fox", who=BOB))
    assert (await core.quota(ALICE)).daily_credits == 1


async def test_an_images_only_chat_refuses_video_before_anything_is_reserved(make, simulator):
    core = await make()
    await core.chat_desk.commands(CHAT_ADMIN, ["image"], key="event-1")

    with pytest.raises(Refused) as refused:
        await core.submit(request("video", "a cat surfing"))

    assert "/image" in refused.value.text.render("en")
    assert not simulator.requests and (await core.quota(ALICE)).used_today == 0
    await core.submit(request("image", "a fox"))


async def test_a_model_outside_the_chats_patterns_is_refused(make, simulator):
    core = await make()
    await core.chat_desk.models(CHAT_ADMIN, ["minimaxi-*"], key="event-1")

    with pytest.raises(Refused):
        await core.submit(request("image", "a fox", model="dall-e-3-t2i"))
    assert not simulator.requests
    await core.submit(request("image", "a fox", model="minimaxi-image-01"))


async def test_a_pattern_that_matches_no_model_is_refused(make):
    core = await make()
    with pytest.raises(Refused):
        await core.chat_desk.models(CHAT_ADMIN, ["no-such-model*"], key="event-1")


async def test_a_plain_member_cannot_change_or_see_the_chats_settings(make):
    core = await make()
    member = ChatActor(ALICE, chat_admin=False)
    for act in (lambda: core.chat_desk.budget(member, 5), lambda: core.chat_desk.view(member),
                lambda: core.chat_desk.words(member, "add", ["cake"])):
        with pytest.raises(Refused) as refused:
            await act()
        assert refused.value.text == NOT_CHAT_ADMIN
    assert await audit_rows(core) == []


async def test_an_admin_of_another_chat_changes_only_their_own(make):
    core = await make()
    await core.chat_desk.commands(OTHER_CHAT_ADMIN, ["video"], key="event-1")

    await core.submit(request("image", "a fox"))  # chat-1 is untouched
    assert (await core.chats.store.get("test:chat-1")).commands is None


async def test_settings_cannot_be_changed_from_a_private_chat(make):
    core = await make()
    private = ChatActor(Requester("test", "bob", chat_id="bob", private=True), chat_admin=True)
    with pytest.raises(Refused) as refused:
        await core.chat_desk.budget(private, 5)
    assert refused.value.text == NOT_HERE


async def test_every_change_is_an_audit_row_naming_who_and_an_event_twice_changes_once(make, backend):
    core = await make(**backend)

    await core.chat_desk.budget(CHAT_ADMIN, 20, key="telegram:update:5")
    await core.chat_desk.budget(CHAT_ADMIN, 20, key="telegram:update:5")
    await core.chat_desk.words(CHAT_ADMIN, "add", ["cake"], key="telegram:update:6")
    await core.chat_desk.words(CHAT_ADMIN, "add", ["cake"], key="telegram:update:6")

    rows = [tuple(r) for r in await core._store.db.fetchall(
        "SELECT actor, action, target FROM audit ORDER BY id")]
    assert rows == [("test:bob", "chat daily_credits", "test:chat-1"), ("test:bob", "words add", "test:chat-1")]
    assert (await core.chats.store.get("test:chat-1")).daily_credits == 20


async def test_a_chats_own_word_is_refused_in_that_chat_only(make, simulator):
    core = await make()
    await core.chat_desk.words(CHAT_ADMIN, "add", ["cake"], key="event-1")

    with pytest.raises(PromptBlocked):
        await core.submit(request("image", "a chocolate cake"))
    assert not simulator.requests
    await core.submit(request("image", "a chocolate cake", who=Requester("test", "carol", chat_id="chat-2")))


async def test_hidden_progress_marks_the_job_and_no_progress_reaches_the_messenger(make):
    core = await make()
    await core.chat_desk.progress(CHAT_ADMIN, False, key="event-1")

    ticket = await core.submit(request("image", "a fox"))
    await wait_for(lambda: core.messenger.outcomes(ticket.job_id) == 1, what="the result")

    assert (await core.job(ticket.job_id)).destination.get(QUIET) is True
    assert [j for j, _ in core.messenger.progress_updates if j == ticket.job_id] == []


async def test_the_chats_usage_counts_its_credits_today(make):
    core = await make()
    ticket = await core.submit(request("image", "a fox"))
    await wait_for(lambda: core.messenger.outcomes(ticket.job_id) == 1, what="the result")

    used = await core.chats.store.usage("test:chat-1", ticket_day := (await core.job(ticket.job_id)).quota_day,
                                        ticket_day)
    assert (used.credits_today, used.jobs_today) == (1, 1)


ADULT_MODEL = "302ai-flux-dev-t2i"


def discord(channel_nsfw: bool) -> Requester:
    return Requester("discord", "dan", chat_id="guild-1", age_restricted=channel_nsfw)


async def test_an_adult_model_is_refused_in_an_ordinary_discord_channel_at_no_cost(make, simulator):
    core = await make(adult_models=("*flux-dev*",))

    with pytest.raises(Refused) as refused:
        await core.submit(request("image", "a fox", who=discord(False), model=ADULT_MODEL))

    assert refused.value.text == ONLY_NSFW_CHANNELS and not simulator.requests


async def test_an_adult_model_runs_in_an_age_restricted_discord_channel_and_is_marked(make):
    core = await make(adult_models=("*flux-dev*",))

    ticket = await core.submit(request("image", "a fox", who=discord(True), model=ADULT_MODEL))

    assert (await core.job(ticket.job_id)).destination.get(ADULT) is True


async def test_an_adult_model_on_telegram_runs_only_in_the_chats_the_operator_allows(make, simulator):
    core = await make(adult_models=("*flux-dev*",), adult_chats=frozenset({"-100"}))
    elsewhere = Requester("telegram", "1", chat_id="-200")

    with pytest.raises(Refused) as refused:
        await core.submit(request("image", "a fox", who=elsewhere, model=ADULT_MODEL))
    assert refused.value.text == ONLY_ALLOWED_CHATS and not simulator.requests

    await core.submit(request("image", "a fox", who=replace(elsewhere, chat_id="-100"), model=ADULT_MODEL))
