"""Members read the bot in their Telegram app's language (language_code): a Chinese member
gets Chinese replies, refusals, buttons, menus and failure notices, an English one English,
through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import pytest

from tests.telegram.test_buttons_e2e import button_data


def labels(message: dict) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


@pytest.fixture
def mei(fake_api) -> dict:
    return fake_api.user(2002, "Mei", "mei", language_code="zh-hans")


@pytest.fixture
def mei_chat(fake_api, mei) -> dict:
    return fake_api.private_chat(mei)


async def test_the_command_menu_is_set_for_everyone_and_per_language(start_bot, fake_api):
    await start_bot()

    menus = {"": fake_api.commands, **fake_api.commands_by_language}
    assert set(menus) == {"", "en", "zh"}
    assert all([c["command"] for c in menu] == ["video", "image", "animate", "models", "quota", "jobs", "help",
                                                "start"] for menu in menus.values())
    descriptions = {language: {c["command"]: c["description"] for c in menu} for language, menu in menus.items()}
    assert descriptions["zh"]["quota"] == "你今天剩余的积分"
    assert descriptions["zh"]["video"] == "文字生成视频：/video 一只在冲浪的猫"
    assert descriptions["zh"]["models"] != descriptions["en"]["models"] == "The video models, their prices and options"
    assert descriptions[""]["quota"] == descriptions["en"]["quota"] == "Your credits left today"


async def test_with_the_default_language_set_to_chinese_the_general_menu_is_chinese(start_bot, fake_api, ann,
                                                                                    ann_chat):
    await start_bot(default_language="zh")

    assert {c["command"]: c["description"] for c in fake_api.commands}["help"] == "命令与选项"
    assert {c["command"]: c["description"] for c in fake_api.commands_by_language["en"]}["help"] == \
        "Commands and options"
    # Ann's app names no language: she gets the default
    command = await fake_api.send_text(ann, ann_chat, "/quota")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "你今天还剩 50 积分" in reply["text"]


async def test_a_chinese_member_gets_a_chinese_queued_reply_result_and_buttons(start_bot, fake_api, mei, mei_chat):
    await start_bot()
    command = await fake_api.send_text(mei, mei_chat, "/image 一只猫")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    status = fake_api.reply_with(command, "text")
    await fake_api.wait_until(lambda: fake_api.versions(status)[-1].startswith("✅"))
    shown = fake_api.versions(status)
    assert shown[0].startswith("⏳ 已将你的图片加入队列，使用 ") and "你今天还剩 " in shown[0]
    assert shown[-1].startswith("✅ 完成：你的图片在下方")
    assert labels(photo) == ["🔁 再来一次", "🎬 制作动画"]
    assert [d.split(":")[0] for d in button_data(photo)] == ["again", "animate"]  # the routing is unchanged


async def test_an_english_member_gets_the_same_in_english(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    status = fake_api.reply_with(command, "text")
    await fake_api.wait_until(lambda: fake_api.versions(status)[-1].startswith("✅"))
    shown = fake_api.versions(status)
    assert shown[0].startswith("⏳ Queued your image with ") and "left today" in shown[0]
    assert shown[-1].startswith("✅ Done: your image is below")
    assert labels(photo) == ["🔁 Again", "🎬 Animate"]


async def test_quota_help_and_refusals_follow_the_members_language(start_bot, fake_api, mei, mei_chat, ann,
                                                                   ann_chat):
    await start_bot()
    replies = {}
    for who, chat, text in ((mei, mei_chat, "/quota"), (mei, mei_chat, "/help"), (mei, mei_chat, "/video"),
                            (mei, mei_chat, "/dance"), (ann, ann_chat, "/quota"), (ann, ann_chat, "/video")):
        command = await fake_api.send_text(who, chat, text)
        reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
        replies[who["first_name"], text] = reply["text"]

    assert "你今天还剩 50 积分（已用 0，共 50）" in replies["Mei", "/quota"]
    assert "积分将在 " in replies["Mei", "/quota"] and "UTC 午夜" in replies["Mei", "/quota"]
    assert "reelbot 通过 302.AI 生成 AI 视频和图片。" in replies["Mei", "/help"]
    assert "在 Telegram 中：" in replies["Mei", "/help"] and "/video@ReelTestBot" in replies["Mei", "/help"]
    assert replies["Mei", "/video"] == "⚠️ 请在 /video 后描述你想要的内容，例如：/video 雪地里的一只红狐狸。"
    assert replies["Mei", "/dance"] == "⚠️ 我不认识 /dance。发送 /help 查看我能做什么。"
    assert "You have 50 credits left today" in replies["Ann", "/quota"]
    assert replies["Ann", "/video"].startswith("⚠️ Describe what you want after /video")


async def test_a_failure_notice_is_in_the_language_of_the_member_who_asked(start_bot, fake_api, mei, mei_chat):
    bot = await start_bot()
    command = await fake_api.send_text(mei, mei_chat, "/video [sim:flag] something dubious")

    def failure() -> str | None:
        replies = fake_api.replies_to(command)
        text = replies[0].get("text", "") if replies else ""
        return text if text.startswith("❌") else None

    text = await fake_api.wait_until(failure)

    assert text == "❌ 302.AI 将此内容标记为敏感内容。请修改提示词或换一张图片。你的积分已退还。"
    await bot.core.wait_idle()
    [job] = await bot.core._store.in_state("failed")
    assert job.requester.language == "zh-hans"  # kept with the job, for notices sent after a restart


async def test_a_button_press_answers_in_the_language_of_who_pressed_it(start_bot, fake_api, mei, ann):
    await start_bot()
    group = fake_api.group_chat()
    command = await fake_api.send_text(ann, group, "/image@ReelTestBot a cat")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    query_id = await fake_api.press(mei, photo, f"again:{button_data(photo)[0].split(':')[1]}")

    answer = await fake_api.wait_until(lambda: next(
        (c for c in fake_api.sent("answerCallbackQuery") if c.params["callback_query_id"] == query_id), None))
    assert answer.params["text"] == "正在处理…"
    again = await fake_api.wait_until(lambda: [m for m in fake_api.replies_to(photo) if "photo" in m])
    assert labels(again[0]) == ["🔁 再来一次", "🎬 制作动画"]  # Mei's job: her language
