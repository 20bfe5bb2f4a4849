"""Telegram with 302.AI's unified models: `/video --model=… --duration=…` and `/models` with
inline-keyboard pages."""

from __future__ import annotations

import copy

from tests.media import is_mp4


def video_reply(fake_api, command):
    return next((m for m in fake_api.replies_to(command) if "video" in m), None)


async def test_video_with_a_unified_model_and_typed_options_arrives(start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video --model=kling-21 --duration=10 a fox in the snow")

    video = await fake_api.wait_until(lambda: video_reply(fake_api, command))

    assert is_mp4(fake_api.file_bytes(video["video"]["file_id"]))
    [sent] = [r["body"] for r in simulator.requests if r["path"] == "/302/v2/video/create"]
    assert (sent["model"], sent["duration"], sent["prompt"]) == ("kling-21", 10, "a fox in the snow")
    await bot.core.wait_idle()


async def test_a_wrong_duration_is_refused_naming_the_allowed_ones_and_costs_nothing(start_bot, simulator, fake_api,
                                                                                    ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video --model=kling-21 --duration=7 a fox")

    reply = await fake_api.wait_until(lambda: next(iter(fake_api.replies_to(command)), None))

    assert "duration “7” is not available for kling-21. Choose one of: 5, 10." in reply["text"]
    assert not simulator.billed


async def test_models_lists_a_page_and_its_buttons_turn_it(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/models")

    listing = await fake_api.wait_until(lambda: next(iter(fake_api.replies_to(command)), None))
    assert listing["text"].startswith("Video models (page 1 of ")
    [[forward]] = listing["reply_markup"]["inline_keyboard"]
    assert forward["callback_data"] == "models:1"

    await fake_api.press(ann, listing, forward["callback_data"])
    await fake_api.wait_until(
        lambda: "(page 2 of " in fake_api.message(ann_chat["id"], listing["message_id"])["text"])
    turned = fake_api.message(ann_chat["id"], listing["message_id"])
    assert "• google-veo3-fast: 32 credits for 8 s; /video /animate" in turned["text"]
    assert [b["callback_data"] for b in turned["reply_markup"]["inline_keyboard"][0]] == ["models:0", "models:2"]


async def test_a_catalog_refresh_adds_and_removes_a_model_while_the_removed_ones_job_finishes(
        start_bot, simulator, fake_api, ann, ann_chat):
    from tests.core.test_catalog_feed import core_feed_refresh

    bot = await start_bot()
    running = await fake_api.send_text(ann, ann_chat, "/video --model=luma-video a fox [sim:slow=4]")
    await fake_api.wait_until(lambda: simulator.billed)  # paid for, and running at 302.AI
    simulator.unified.models = [m for m in simulator.unified.models if m["model_name"] != "luma-video"]
    simulator.unified.models.append({**copy.deepcopy(simulator.unified.model("vidu-q1")), "model_name": "vidu-q2"})
    await core_feed_refresh(bot.core)  # what the bot does every REELBOT_CATALOG_REFRESH seconds
    assert video_reply(fake_api, running) is None  # still being made when its model left the list

    removed = await fake_api.send_text(ann, ann_chat, "/video --model=luma-video another fox")
    added = await fake_api.send_text(ann, ann_chat, "/video --model=vidu-q2 a new fox")

    refusal = await fake_api.wait_until(lambda: next(iter(fake_api.replies_to(removed)), None))
    assert "luma-video is no longer offered" in refusal["text"]
    await fake_api.wait_until(lambda: video_reply(fake_api, running))  # the paid job finished
    await fake_api.wait_until(lambda: video_reply(fake_api, added))
    assert [r["body"]["model"] for r in simulator.requests if r["path"] == "/302/v2/video/create"] == [
        "luma-video", "vidu-q2"]
    await bot.core.wait_idle()
