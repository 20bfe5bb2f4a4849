"""The inline buttons under results: "again" repeats the job, "animate" animates the image."""

from __future__ import annotations

from bot.domain.requests import Requester


def button_data(message) -> list[str]:
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


def call_index(fake_api, predicate) -> int:
    """Where the first Bot API call matching `predicate` came, in the order they arrived."""
    found = [i for i, c in enumerate(fake_api.calls) if predicate(c)]
    assert found, f"no such call among {[c.method for c in fake_api.calls]}"
    return found[0]


async def test_an_image_result_has_again_and_animate_buttons_within_64_bytes(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    data = button_data(photo)
    assert [d.split(":")[0] for d in data] == ["again", "animate"]
    assert all(len(d.encode()) <= 64 for d in data)


async def test_a_video_result_has_only_the_again_button(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video a cat")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert [d.split(":")[0] for d in button_data(video)] == ["again"]


async def test_again_makes_the_same_image_for_the_member_who_pressed_it(start_bot, fake_api, ann):
    bot = await start_bot()
    group = fake_api.group_chat()
    bob = fake_api.user(1002, "Bob")
    command = await fake_api.send_text(ann, group, "/image a red fox")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    query = await fake_api.press(bob, photo, button_data(photo)[0])
    again = await fake_api.wait_until(lambda: fake_api.reply_with(photo, "photo"))

    assert again["caption"] == photo["caption"]
    assert query not in fake_api.open_callbacks
    await bot.core.wait_idle()
    bob_quota = await bot.core.quota(Requester("telegram", "1002", chat_id=str(group["id"])))
    assert bob_quota.used_today == 1


async def test_animate_button_turns_the_image_into_a_video(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a lighthouse")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    query = await fake_api.press(ann, photo, button_data(photo)[1])
    video = await fake_api.wait_until(lambda: fake_api.reply_with(photo, "video"))

    assert query not in fake_api.open_callbacks
    assert [c.params["file_id"] for c in fake_api.sent("getFile")] == [photo["photo"][-1]["file_id"]]
    body = next(r["body"] for r in simulator.requests if r["path"].endswith("/video_generation"))
    assert body["model"] == "I2V-01" and body["first_frame_image"].startswith("data:image/png")
    assert "video" in video


async def test_again_for_a_forgotten_job_is_refused_in_a_reply(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    photo["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = "again:000000000000"

    await fake_api.press(ann, photo, "again:000000000000")

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(photo, "text"))
    assert refusal["text"].startswith("⚠️") and "no longer known" in refusal["text"]


async def test_again_is_answered_before_the_job_is_queued(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    query = await fake_api.press(ann, photo, button_data(photo)[0])
    status = await fake_api.wait_until(lambda: fake_api.reply_with(photo, "text"))

    answered = call_index(fake_api, lambda c: c.method == "answerCallbackQuery"
                          and c.params["callback_query_id"] == query)
    queued = call_index(fake_api, lambda c: c.method == "sendMessage" and c.result
                        and c.result["message_id"] == status["message_id"])
    assert answered < queued


async def test_animate_is_answered_before_the_photo_is_downloaded(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a lighthouse")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    query = await fake_api.press(ann, photo, button_data(photo)[1])
    await fake_api.wait_until(lambda: fake_api.reply_with(photo, "text"))

    answered = call_index(fake_api, lambda c: c.method == "answerCallbackQuery"
                          and c.params["callback_query_id"] == query)
    assert answered < call_index(fake_api, lambda c: c.method == "getFile")


async def test_a_refused_button_press_in_a_group_names_who_pressed_it(start_bot, fake_api, ann):
    await start_bot(daily_credits=1)
    group = fake_api.group_chat()
    command = await fake_api.send_text(ann, group, "/image a red fox")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    await fake_api.press(ann, photo, button_data(photo)[0])

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(photo, "text"))
    assert refusal["text"].startswith("⚠️ Ann: ")
