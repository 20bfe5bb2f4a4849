"""`/settings` through real python-telegram-bot against the fake Bot API: a group's own
administrators (as getChatMember says) change their group's budget, models, commands and
words, within the operator's bounds; a plain member and an admin of another group are
refused; an adult-only model's result is sent under a spoiler."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester
from tests.words.forms import paid_calls

GROUP_ID = -1001234567890


@pytest.fixture
def group(fake_api) -> dict:
    return fake_api.group_chat(GROUP_ID)


@pytest.fixture
def other_group(fake_api) -> dict:
    return fake_api.group_chat(-1005555555555, "Other club")


@pytest.fixture
def boss(fake_api, group) -> dict:
    """An administrator of `group` (not one of the bot's operators)."""
    user = fake_api.user(2002, "Boss", "boss")
    fake_api.make_admin(group, user)
    return user


async def said(fake_api, user, chat, text: str) -> str:
    message = await fake_api.send_text(user, chat, text)
    return (await fake_api.wait_until(lambda: fake_api.reply_with(message, "text")))["text"]


async def stored(bot, chat):
    return await bot.core.chats.store.get(f"telegram:{chat['id']}")


async def test_a_group_admin_changes_the_budget_models_and_words(start_bot, fake_api, group, boss):
    bot = await start_bot()

    assert "200" in await said(fake_api, boss, group, "/settings budget 200")
    assert "minimaxi-*" in await said(fake_api, boss, group, "/settings models minimaxi-*")
    assert "cake" in await said(fake_api, boss, group, "/settings words add cake, big spoon")

    settings = await stored(bot, group)
    assert settings.daily_credits == 200 and settings.models == ("minimaxi-*",)
    assert await bot.core.blocklist.chats.words(f"telegram:{GROUP_ID}") == ["big spoon", "cake"]
    assert fake_api.sent("getChatMember")  # asked of Telegram, not taken from the command
    actors = {r["actor"] for r in await bot.core._store.db.fetchall("SELECT actor FROM audit")}
    assert actors == {f"telegram:{boss['id']}"}


async def test_a_plain_member_is_refused_and_nothing_changes(start_bot, fake_api, group, ann):
    bot = await start_bot()

    answer = await said(fake_api, ann, group, "/settings budget 5")

    assert "Only this chat" in answer and (await stored(bot, group)).daily_credits is None


async def test_an_admin_of_another_group_is_refused_here(start_bot, fake_api, group, other_group):
    bot = await start_bot()
    other_boss = fake_api.user(3003, "Other", "other")
    fake_api.make_admin(other_group, other_boss)

    answer = await said(fake_api, other_boss, group, "/settings commands image")

    assert "Only this chat" in answer and (await stored(bot, group)).commands is None
    assert (await stored(bot, other_group)).commands is None


async def test_the_operators_cap_wins_over_a_higher_budget(start_bot, fake_api, group, boss):
    bot = await start_bot(chat_daily_credits=3)

    answer = await said(fake_api, boss, group, "/settings budget 200")

    assert "at most 3 credits" in answer and (await stored(bot, group)).daily_credits == 3


async def test_an_admin_demoted_meanwhile_cannot_change_anything(start_bot, fake_api, group, boss):
    bot = await start_bot()
    await said(fake_api, boss, group, "/settings usage")
    fake_api.demote(group, boss)

    answer = await said(fake_api, boss, group, "/settings progress off")

    assert "Only this chat" in answer and (await stored(bot, group)).progress is True


async def test_the_images_only_button_makes_video_refused_at_no_cost(start_bot, fake_api, simulator, group, boss, ann):
    bot = await start_bot()
    shown = await fake_api.send_text(boss, group, "/settings")
    settings = await fake_api.wait_until(lambda: fake_api.reply_with(shown, "text"))

    await fake_api.press(boss, settings, "cs:commands:image")
    await fake_api.wait_until(lambda: "/image" in fake_api.versions(settings)[-1] and
                              len(fake_api.versions(settings)) > 1)

    answer = await said(fake_api, ann, group, "/video a cat surfing")
    assert "/image" in answer and paid_calls(simulator) == []
    used = await bot.core.quota(Requester("telegram", str(ann["id"]), chat_id=str(GROUP_ID)))
    assert used.used_today == 0


async def test_a_plain_members_press_changes_nothing(start_bot, fake_api, group, boss, ann):
    bot = await start_bot()
    shown = await fake_api.send_text(boss, group, "/settings")
    settings = await fake_api.wait_until(lambda: fake_api.reply_with(shown, "text"))

    query = await fake_api.press(ann, settings, "cs:progress:off")
    await fake_api.wait_until(lambda: query not in fake_api.open_callbacks)

    assert (await stored(bot, group)).progress is True


async def test_an_adult_models_result_is_sent_under_a_spoiler_in_an_allowed_chat(start_bot, fake_api, group, ann):
    await start_bot(adult_models=("*flux-dev*",), adult_chats=frozenset({str(GROUP_ID)}))

    message = await fake_api.send_text(ann, group, "/image --model=302ai-flux-dev-t2i a fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(message, "photo"))

    [photo] = fake_api.sent("sendPhoto", GROUP_ID)
    assert str(photo.params.get("has_spoiler")).lower() == "true"


async def test_an_adult_model_is_refused_at_no_cost_in_a_chat_not_allowed(start_bot, fake_api, simulator, group, ann):
    await start_bot(adult_models=("*flux-dev*",))

    answer = await said(fake_api, ann, group, "/image --model=302ai-flux-dev-t2i a fox")

    assert "adults only" in answer and paid_calls(simulator) == []


async def test_showing_reuses_telegrams_answer_and_a_change_asks_again(start_bot, fake_api, group, boss):
    await start_bot()
    for _ in range(2):
        shown = await fake_api.send_text(boss, group, "/settings")
        await fake_api.wait_until(lambda: fake_api.reply_with(shown, "text"))
    assert len(fake_api.sent("getChatMember")) == 1

    await said(fake_api, boss, group, "/settings budget 10")

    assert len(fake_api.sent("getChatMember")) == 2


async def test_settings_in_a_private_chat_say_where_to_use_them(start_bot, fake_api, ann, ann_chat):
    await start_bot()

    assert "in the group or server" in await said(fake_api, ann, ann_chat, "/settings budget 10")


async def test_with_progress_hidden_a_video_shows_queued_then_done_and_nothing_between(
        start_bot, simulator, fake_api, group, boss, ann):
    simulator.configure(video_seconds=1.0)
    bot = await start_bot()
    await said(fake_api, boss, group, "/settings progress off")

    command = await fake_api.send_text(ann, group, "/video a fox running through snow")
    await fake_api.wait_until(lambda: any("video" in m for m in fake_api.replies_to(command)))
    status = fake_api.replies_to(command)[0]
    await fake_api.wait_until(lambda: fake_api.message(GROUP_ID, status["message_id"])["text"].startswith("✅"))
    await bot.core.wait_idle()

    texts = fake_api.versions(status)
    assert texts[0].startswith("⏳ Queued") and texts[-1].startswith("✅")
    assert not any("Generating" in text for text in texts), texts
