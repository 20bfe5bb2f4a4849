"""/jobs' fetch again of a unified v2 video whose first URL expired, through python-telegram-bot
against the fake Bot API and the simulator: a fresh URL from 302.AI's free video/fetch, or a
clear sentence when 302.AI no longer has the video, and never a second create."""

from __future__ import annotations

from tests.media import is_mp4


def button_data(message) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def creates(simulator) -> int:
    return sum(r["path"] == "/302/v2/video/create" for r in simulator.requests)


async def listed_after_a_unified_video(bot, fake_api, ann, chat):
    command = await fake_api.send_text(ann, chat, "/video --model=kling-21 a fox in the snow")
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))
    await bot.core.wait_idle()
    ask = await fake_api.send_text(ann, chat, "/jobs")
    return await fake_api.wait_until(lambda: fake_api.reply_with(ask, "text"))


async def test_an_expired_unified_url_is_fetched_afresh_and_the_video_sent_again(
        start_bot, fake_api, simulator, ann, ann_chat):
    listing = await listed_after_a_unified_video(await start_bot(), fake_api, ann, ann_chat)
    simulator.unified.expire_urls()

    await fake_api.press(ann, listing, button_data(listing)[0])

    again = await fake_api.wait_until(lambda: fake_api.reply_with(listing, "video"))
    assert is_mp4(fake_api.file_bytes(again["video"]["file_id"]))
    assert creates(simulator) == 1 and len(simulator.billed) == 1


async def test_a_unified_video_302ai_no_longer_has_is_refused_clearly(start_bot, fake_api, simulator, ann, ann_chat):
    listing = await listed_after_a_unified_video(await start_bot(), fake_api, ann, ann_chat)
    simulator.expire_files()

    await fake_api.press(ann, listing, button_data(listing)[0])

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(listing, "text"))
    assert "That result has expired: 302.AI no longer serves it." in refusal["text"]
    assert creates(simulator) == 1 and len(simulator.billed) == 1
