"""Replying to a result with new text re-runs it with that prompt: same model, options and
picture, charged to whoever replied, once per update however often it is handled."""

from __future__ import annotations

import asyncio

from bot.domain.requests import Requester
from tests.conftest import wait_for
from tests.media import image_bytes


def unified_requests(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/302/image/generate"]


async def used_today(bot, user: dict, chat: dict | None = None) -> int:
    requester = Requester("telegram", str(user["id"]), chat_id=str(chat["id"]) if chat else None)
    return (await bot.core.quota(requester)).used_today


async def test_a_text_reply_to_a_result_makes_it_again_with_that_prompt(start_bot, simulator, fake_api, ann,
                                                                        ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image --model=ideogram-v2-t2i --ar=16:9 a red fox")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(ann, ann_chat, "a blue fox at night", reply_to=photo)
    again = await fake_api.wait_until(lambda: fake_api.reply_with(edit, "photo"))

    first, second = unified_requests(simulator)
    assert second == {**first, "prompt": "a blue fox at night"}
    assert second["model"] == "ideogram-v2-t2i" and second["aspect_ratio"] == "16:9"
    assert again["caption"].startswith("a blue fox at night")
    await bot.core.wait_idle()
    assert await used_today(bot, ann) == 2  # a new job, charged as one


async def test_an_edited_i2i_result_keeps_its_picture_and_negative_prompt(start_bot, simulator, fake_api, ann,
                                                                          ann_chat):
    bot = await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, image_bytes(640, 480, "JPEG"),
                                        caption="/image --negative_prompt=people a quiet street")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(ann, ann_chat, "a busy market", reply_to=photo)
    await fake_api.wait_until(lambda: fake_api.reply_with(edit, "photo"))

    first, second = unified_requests(simulator)
    assert second["model"] == first["model"] == "stable-sd3-i2i"
    assert second["negative_prompt"] == "people" and second["prompt"] == "a busy market"
    assert second["image"] == first["image"]  # the member's picture, not the result


async def test_in_a_group_anyone_may_reply_and_the_one_who_replied_pays(start_bot, simulator, fake_api, ann):
    bot = await start_bot()
    group, bob = fake_api.group_chat(), fake_api.user(1002, "Bob")
    command = await fake_api.send_text(ann, group, "/image a lighthouse")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(bob, group, "a lighthouse in a storm", reply_to=photo)
    await fake_api.wait_until(lambda: fake_api.reply_with(edit, "photo"))

    await bot.core.wait_idle()
    assert await used_today(bot, ann, group) == 1
    assert await used_today(bot, bob, group) == 1


async def test_a_reply_handled_twice_makes_one_job(start_webhook_bot, simulator, fake_api, ann, ann_chat):
    bot, _ = await start_webhook_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a lighthouse")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded
    edit = await fake_api.send_text(ann, ann_chat, "a lighthouse at dawn", reply_to=photo)
    update_id = fake_api.pushed[-1]["update_id"]
    await fake_api.wait_until(lambda: fake_api.reply_with(edit, "photo"))

    await fake_api.redeliver(update_id)  # Telegram did not hear the 200 and sends it again

    await wait_for(lambda: not bot.adapter.intake._active, what="handlers to finish")
    await bot.core.wait_idle()
    assert len(simulator.billed) == 2
    assert await used_today(bot, ann) == 2


async def test_an_edit_is_validated_like_a_command(start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a lighthouse")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(ann, ann_chat, "word " * 250, reply_to=photo)
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(edit, "text"))

    assert "keep it under 200" in reply["text"]
    await bot.core.wait_idle()
    assert len(simulator.billed) == 1 and await used_today(bot, ann) == 1


async def test_a_reply_to_a_video_result_re_runs_the_video(start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video --model=director --camera=\"Pan left\" a paper boat")
    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(ann, ann_chat, "a paper plane", reply_to=video)
    await fake_api.wait_until(lambda: fake_api.reply_with(edit, "video"))

    bodies = [r["body"] for r in simulator.requests if r["path"] == "/minimaxi/v1/video_generation"]
    assert [(b["model"], b["prompt"]) for b in bodies] == [
        ("T2V-01-Director", "[Pan left] a paper boat"), ("T2V-01-Director", "[Pan left] a paper plane")]


async def test_a_reply_to_a_message_that_is_not_a_result_makes_nothing(start_bot, simulator, fake_api, ann,
                                                                       ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a lighthouse")
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()
    status = fake_api.reply_with(command, "text")  # the bot's status message, not a result
    other = await fake_api.send_text(ann, ann_chat, "hello")  # the member's own message

    replies = [await fake_api.send_text(ann, ann_chat, "a storm", reply_to=status),
               await fake_api.send_text(ann, ann_chat, "a storm", reply_to=other)]
    handled = [u["update_id"] for u in fake_api.pushed[-2:]]

    async with asyncio.timeout(10):  # each stored, run through the handlers and marked handled
        for update_id in handled:
            while not await bot.core.inbox.is_handled("telegram", update_id):
                await asyncio.sleep(0.01)
    assert [fake_api.replies_to(r) for r in replies] == [[], []]
    assert len(simulator.billed) == 1


async def test_a_chinese_member_redraws_a_photo_and_edits_the_result_in_chinese(start_bot, simulator, fake_api):
    bot = await start_bot()
    mei = fake_api.user(2002, "Mei", "mei", language_code="zh-hans")
    chat = fake_api.private_chat(mei)
    command = await fake_api.send_photo(mei, chat, image_bytes(640, 480, "JPEG"), caption="/image 水彩画风格")
    queued = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()  # delivered: the result message is recorded

    edit = await fake_api.send_text(mei, chat, "油画风格", reply_to=photo)
    requeued = await fake_api.wait_until(lambda: fake_api.reply_with(edit, "text"))
    await fake_api.wait_until(lambda: fake_api.reply_with(edit, "photo"))

    first, second = unified_requests(simulator)
    assert first["model"] == second["model"] == "stable-sd3-i2i" and second["prompt"] == "油画风格"
    for reply in (queued, requeued):  # the member's language, from the first word
        text = fake_api.versions(reply)[0]
        assert "Queued" not in text and any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    await bot.core.wait_idle()
    assert await used_today(bot, mei) == 2
