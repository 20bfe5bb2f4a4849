"""Commands in private chats and groups: syntax, options, help, quota, the command menu."""

from __future__ import annotations

from bot.ai302.simulator.media import png_for, size_for_ratio
from bot.domain.requests import Requester
from tests.words.forms import paid_calls


async def test_start_registers_the_command_menu(start_bot, fake_api):
    await start_bot()

    assert [c["command"] for c in fake_api.commands] == ["video", "image", "animate", "models", "quota", "jobs",
                                                         "help", "start"]


async def test_groups_admins_get_the_menu_with_settings_in_every_language(start_bot, fake_api):
    await start_bot()

    scoped = {language: menu for (scope, language), menu in fake_api.commands_by_scope.items()
              if scope == "all_chat_administrators"}
    assert set(scoped) == {"", "en", "zh"}
    for language, menu in scoped.items():
        assert [c["command"] for c in menu] == [c["command"] for c in fake_api.commands] + ["settings"]
    assert {c["command"]: c["description"] for c in scoped["zh"]}["settings"] == "本群自己的设置（群管理员用）"
    assert {c["command"]: c["description"] for c in scoped[""]}["models"] == \
        "The video models, their prices and options"
    assert all("settings" not in [c["command"] for c in menu]
               for menu in [fake_api.commands, *fake_api.commands_by_language.values()])


async def test_image_photo_has_the_bytes_302ai_made(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    assert fake_api.file_bytes(photo["photo"][-1]["file_id"]) == png_for("a cat", size_for_ratio("1:1"))


async def test_group_command_addressed_to_the_bot_is_answered(start_bot, fake_api, ann):
    await start_bot()
    group = fake_api.group_chat()
    command = await fake_api.send_text(ann, group, "/image@ReelTestBot a lighthouse at dusk")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    assert photo["chat"]["id"] == group["id"]
    assert photo["caption"].startswith("a lighthouse at dusk")


async def test_command_addressed_to_another_bot_is_ignored(start_bot, fake_api, ann):
    await start_bot()
    group = fake_api.group_chat()
    other = await fake_api.send_text(ann, group, "/image@SomeOtherBot a lighthouse")
    sentinel = await fake_api.send_text(ann, group, "/quota@ReelTestBot")

    await fake_api.wait_until(lambda: fake_api.reply_with(sentinel, "text"))

    assert fake_api.replies_to(other) == []


async def test_prompt_full_of_markup_is_shown_literally(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    prompt = 'a <b>bold</b> *star* _under_ [x](y) & <script>alert("hi")</script> cat'
    command = await fake_api.send_text(ann, ann_chat, f"/image {prompt}")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    assert photo["caption"].startswith(prompt)


async def test_very_long_prompt_is_clipped_to_fit_a_caption(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    prompt = " ".join(["🎬<&>"] * 190)  # under the core's 200 words, far over 1024 UTF-16 units escaped
    command = await fake_api.send_text(ann, ann_chat, f"/image {prompt}")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    assert photo["caption"].startswith("🎬<&> 🎬<&>") and "…" in photo["caption"]


async def test_unknown_option_gets_a_reply_listing_the_valid_ones(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video --model=hailuo --colour=red a cat")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "colour" in reply["text"]
    assert "duration, resolution, camera" in reply["text"]


async def test_unknown_model_gets_a_reply_naming_the_closest_models_and_pointing_to_models(start_bot, fake_api,
                                                                                             ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video --model=sora a cat")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "The closest: sora-2," in reply["text"] and "/models lists them all" in reply["text"]


async def test_options_reach_the_model(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(
        ann, ann_chat, '/video --model=hailuo --duration=10 —res=768P --camera="Pan left, Zoom in" a fox')

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    body = next(r["body"] for r in simulator.requests if r["path"].endswith("/video_generation"))
    assert (body["model"], body["duration"], body["resolution"]) == ("MiniMax-Hailuo-02", 10, "768P")
    assert body["prompt"].startswith("[Pan left,Zoom in]")


async def test_quota_shows_credits_left(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/quota")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "You have 50 credits left today" in reply["text"]


async def test_help_for_a_command_documents_its_option_syntax_and_telegram_specifics(start_bot, fake_api, ann,
                                                                                       ann_chat):
    await start_bot()
    video = await fake_api.send_text(ann, ann_chat, "/help video")
    animate = await fake_api.send_text(ann, ann_chat, "/help animate")

    video_reply = await fake_api.wait_until(lambda: fake_api.reply_with(video, "text"))
    animate_reply = await fake_api.wait_until(lambda: fake_api.reply_with(animate, "text"))

    assert "--model=NAME" in video_reply["text"] and "--camera=" in video_reply["text"]
    assert "--duration=6|10" in video_reply["text"] and "S2V-01" in video_reply["text"]
    assert "/video@ReelTestBot" in video_reply["text"]
    assert "reply to a message with a photo" in animate_reply["text"]


async def test_help_is_one_short_line_per_command_and_points_to_help_for_a_command(start_bot, fake_api, ann,
                                                                                    ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/help")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert len(reply["text"]) < 1000
    for name in ("/video", "/animate", "/image", "/models", "/quota", "/jobs", "/settings", "/help video"):
        assert name in reply["text"]
    assert "--model=NAME" not in reply["text"]
    assert "/buy" not in reply["text"]  # no shop here
    assert "/video@ReelTestBot" in reply["text"]


async def test_help_lists_buy_where_the_shop_is_on(start_bot, fake_api, ann, ann_chat):
    await start_bot(stars_per_credit=2, credit_packs=(10, 50))
    listed = await fake_api.send_text(ann, ann_chat, "/help")
    detail = await fake_api.send_text(ann, ann_chat, "/help buy")

    listed_reply = await fake_api.wait_until(lambda: fake_api.reply_with(listed, "text"))
    detail_reply = await fake_api.wait_until(lambda: fake_api.reply_with(detail, "text"))

    assert "/buy" in listed_reply["text"] and len(listed_reply["text"]) < 1000
    assert "do not expire" in detail_reply["text"] and "/settings" not in detail_reply["text"]


async def test_an_unknown_model_is_answered_with_the_closest_names_and_costs_nothing(start_bot, fake_api, simulator,
                                                                                      ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video --model=T2V-01-Directr a cat")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "Unknown model" in reply["text"] and "T2V-01-Director" in reply["text"] and "/models" in reply["text"]
    assert "The closest: T2V-01-Director," in reply["text"]  # the nearest name first
    assert paid_calls(simulator) == []
    assert (await bot.core.quota(Requester("telegram", str(ann["id"]), chat_id=str(ann_chat["id"])))).used_today == 0


async def test_unknown_command_in_a_private_chat_points_to_help(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/dance")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "/help" in reply["text"]
