"""Blocked words through real python-telegram-bot: a prompt with an operator's or a chat's
blocked word, however it is spelled, is refused in one neutral sentence before anything is
spent — for /image, /video, /animate, an edit (a reply to a result) and "again"."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester
from bot.words.blocklist import BLOCKED
from tests.media import image_bytes
from tests.telegram.conftest import ADMIN_ID
from tests.words.forms import FORMS, operator_file, paid_calls

PHOTO = image_bytes(640, 480, "JPEG")
REFUSAL = "Please describe something else"  # the English sentence, without its apostrophe (HTML-escaped)


async def used_today(bot, user: dict, chat: dict) -> int:
    return (await bot.core.quota(Requester("telegram", str(user["id"]), chat_id=str(chat["id"])))).used_today


def buttons(message: dict) -> list[str]:
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


@pytest.fixture
def blocklist_file(tmp_path):
    return operator_file(tmp_path)


async def send(fake_api, user, chat, command: str, prompt: str) -> dict:
    if command == "animate":
        return await fake_api.send_photo(user, chat, PHOTO, caption=f"/animate {prompt}")
    return await fake_api.send_text(user, chat, f"/{command} {prompt}")


@pytest.mark.parametrize("command", ["image", "video", "animate"])
@pytest.mark.parametrize("form", list(FORMS))
async def test_a_blocked_word_in_any_spelling_is_refused_at_no_cost(start_bot, simulator, fake_api, ann, ann_chat,
                                                                   blocklist_file, command, form):
    bot = await start_bot(blocklist_file=blocklist_file)

    message = await send(fake_api, ann, ann_chat, command, FORMS[form])
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(message, "text"))

    assert REFUSAL in reply["text"] and "nude" not in reply["text"].lower()
    assert paid_calls(simulator) == [] and await used_today(bot, ann, ann_chat) == 0
    assert len(fake_api.replies_to(message)) == 1  # one sentence, no "Queued"


async def test_a_word_that_only_contains_a_blocked_one_is_not_blocked(start_bot, simulator, fake_api, ann, ann_chat,
                                                                      blocklist_file):
    bot = await start_bot(blocklist_file=blocklist_file)

    message = await fake_api.send_text(ann, ann_chat, "/image a class photo in a glass house")
    await fake_api.wait_until(lambda: fake_api.reply_with(message, "photo"))

    assert len(paid_calls(simulator)) == 1
    await bot.core.wait_idle()
    assert await used_today(bot, ann, ann_chat) == 1


async def test_the_member_is_told_in_their_own_language(start_bot, fake_api, blocklist_file):
    await start_bot(blocklist_file=blocklist_file)
    mei = fake_api.user(1003, "Mei", language_code="zh-hans")

    message = await fake_api.send_text(mei, fake_api.private_chat(mei), "/image 一个裸体的雕像")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(message, "text"))

    assert BLOCKED.render("zh") in reply["text"] and "裸体" not in reply["text"]


@pytest.mark.parametrize("form", list(FORMS))
async def test_an_edit_with_a_blocked_word_is_refused_at_no_cost(start_bot, simulator, fake_api, ann, ann_chat,
                                                                blocklist_file, form):
    bot = await start_bot(blocklist_file=blocklist_file)
    command = await fake_api.send_text(ann, ann_chat, "/image a marble statue")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(ann, ann_chat, FORMS[form], reply_to=photo)
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(edit, "text"))

    assert REFUSAL in reply["text"]
    assert len(paid_calls(simulator)) == 1 and await used_today(bot, ann, ann_chat) == 1


async def test_again_for_a_prompt_blocked_since_is_refused_at_no_cost(start_bot, simulator, fake_api, ann):
    bot = await start_bot()
    group = fake_api.group_chat()
    command = await fake_api.send_text(ann, group, "/image a white owl")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()
    boss = Requester("telegram", str(ADMIN_ID), is_admin=True)
    await bot.core.admin.words(boss, "add", f"telegram:{group['id']}", ["owl"])

    await fake_api.press(ann, photo, buttons(photo)[0])
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(photo, "text"))

    assert REFUSAL in reply["text"]
    assert len(paid_calls(simulator)) == 1 and await used_today(bot, ann, group) == 1


async def test_a_chats_own_words_set_with_admin_words_apply_only_in_that_chat(start_bot, simulator, fake_api, ann):
    await start_bot()
    boss = fake_api.user(ADMIN_ID, "Boss", "boss")
    hello = await fake_api.send_text(boss, fake_api.private_chat(boss), "/start")
    await fake_api.wait_until(lambda: fake_api.reply_with(hello, "text"))
    film_club, birders = fake_api.group_chat(), fake_api.group_chat(-1005550001111, "Birders")

    await fake_api.send_text(boss, film_club, "/admin words add here owl, barn cat")
    await fake_api.wait_until(lambda: any("Added to" in c.params.get("text", "")
                                          for c in fake_api.sent("sendMessage", ADMIN_ID)))
    refused = await fake_api.send_text(ann, film_club, "/image a BARN  CAT and an Owl")
    allowed = await fake_api.send_text(ann, birders, "/image a barn cat and an owl")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(refused, "text"))
    assert REFUSAL in reply["text"]
    await fake_api.wait_until(lambda: fake_api.reply_with(allowed, "photo"))
    assert [r["body"]["prompt"] for r in paid_calls(simulator)] == ["a barn cat and an owl"]


async def test_admin_words_lists_and_removes_a_chats_words_and_admin_blocked_shows_the_attempt(
        start_bot, simulator, fake_api, ann, blocklist_file):
    await start_bot(blocklist_file=blocklist_file)
    boss = fake_api.user(ADMIN_ID, "Boss", "boss")
    boss_chat = fake_api.private_chat(boss)
    group = fake_api.group_chat()

    def answers() -> list[str]:
        return [c.params.get("text", "") for c in fake_api.sent("sendMessage", ADMIN_ID)]

    await fake_api.send_text(boss, boss_chat, "/start")
    await fake_api.send_text(boss, boss_chat, f"/admin words add {group['id']} owl, heron")
    await fake_api.wait_until(lambda: any("Added to" in t for t in answers()))
    await fake_api.send_text(boss, boss_chat, f"/admin words remove {group['id']} heron")
    await fake_api.wait_until(lambda: any("Removed from" in t for t in answers()))
    await fake_api.send_text(boss, boss_chat, f"/admin words list {group['id']}")
    listed = await fake_api.wait_until(lambda: next((t for t in answers() if "Blocked words in" in t), None))
    assert "owl" in listed and "heron" not in listed

    refused = await fake_api.send_text(ann, group, "/image a ｎｕｄｅ statue")
    await fake_api.wait_until(lambda: fake_api.reply_with(refused, "text"))
    await fake_api.send_text(boss, boss_chat, "/admin blocked")
    shown = await fake_api.wait_until(lambda: next((t for t in answers() if "operator" in t and "ｎｕｄｅ" in t), None))
    assert f"telegram:{ann['id']}" in shown and f"telegram:{group['id']}" in shown and "[nude]" in shown


async def test_a_member_who_is_not_a_bot_admin_cannot_change_a_chats_words(start_bot, fake_api, ann):
    bot = await start_bot()
    group = fake_api.group_chat()

    command = await fake_api.send_text(ann, group, "/admin words add here owl")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "Only the bot's admins" in reply["text"]
    assert await bot.core.blocklist.chats.words(f"telegram:{group['id']}") == []
