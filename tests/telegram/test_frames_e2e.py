"""First and last frame from a Telegram photo album with an /animate caption, and video to video
from a video with a /video caption (or a /video reply to one), through the real
python-telegram-bot against the fake Bot API and the simulator."""

from __future__ import annotations

import pytest

from adapters.telegram import albums
from tests.media import image_bytes, is_mp4, sample_video
from tests.telegram.test_inbox_e2e import statuses

FIRST = image_bytes(640, 480, "PNG")  # the frames differ in format, so the order shows in the data URLs
LAST = image_bytes(640, 480, "JPEG")
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def short_album_window(monkeypatch):
    # an album is complete after this long without a new picture (1.5 s in production); the
    # fake pushes all of an album's updates before the bot fetches any, as Telegram usually does
    monkeypatch.setattr(albums, "QUIET", 0.2)


def creates(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/302/v2/video/create"]


async def job_count(core) -> int:
    return (await core.inbox._db.fetchone("SELECT COUNT(*) AS n FROM jobs"))["n"]


async def test_an_album_of_two_photos_captioned_animate_is_one_job_with_first_and_last_frame(
        start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    first, _ = await fake_api.send_album(ann, ann_chat, [FIRST, LAST], caption="/animate --model=kling-21 dusk falls")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(first, "video"))

    assert is_mp4(fake_api.file_bytes(video["video"]["file_id"]))
    [sent] = creates(simulator)
    assert sent["image"][0].startswith("data:image/png;base64,")  # the album's first picture
    assert sent["end_image"].startswith("data:image/jpeg;base64,")  # its second, the last frame
    assert sent["prompt"] == "dusk falls" and await job_count(bot.core) == 1


async def test_an_album_redelivered_is_still_one_job_and_one_answer(start_bot, simulator, fake_api, ann, ann_chat):
    simulator.configure(video_seconds=30)  # still running when the album comes again
    bot = await start_bot()
    first, _ = await fake_api.send_album(ann, ann_chat, [FIRST, LAST], caption="/animate --model=kling-21")
    ids = [u["update_id"] for u in fake_api.pushed[-2:]]
    await fake_api.wait_until(lambda: statuses(fake_api, first))

    for update_id in ids:
        await fake_api.redeliver(update_id)
    await fake_api.wait_until(lambda: not fake_api._updates)  # taken and confirmed
    await fake_api.wait_until(lambda: all(u not in bot.adapter.intake._active for u in ids))

    assert await job_count(bot.core) == 1 and len(creates(simulator)) == 1
    assert len(statuses(fake_api, first)) == 1


async def test_an_album_whose_every_picture_says_animate_is_one_job_and_one_answer(
        start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    messages = await fake_api.send_album(ann, ann_chat, [FIRST, LAST], caption="/animate --model=vidu-q1",
                                         caption_on=(0, 1))

    await fake_api.wait_until(lambda: fake_api.reply_with(messages[0], "video"))
    await fake_api.wait_until(lambda: not bot.adapter.intake._active)

    assert await job_count(bot.core) == 1 and len(creates(simulator)) == 1
    assert fake_api.replies_to(messages[1]) == []  # the album answers once, under its first picture


async def test_an_album_whose_first_picture_says_help_still_animates_its_second(
        start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    messages = fake_api.album_messages(ann, ann_chat, [FIRST, LAST], caption="/help", caption_on=(0,))
    messages[1]["caption"] = "/animate --model=kling-21 dusk falls"
    for message in messages:
        await fake_api._push({"message": message})

    await fake_api.wait_until(lambda: fake_api.reply_with(messages[1], "video"))

    assert await job_count(bot.core) == 1 and len(creates(simulator)) == 1
    assert fake_api.reply_with(messages[0], "text")  # and /help was answered as /help


async def test_an_album_of_three_photos_is_refused_once_and_costs_nothing(start_bot, simulator, fake_api, ann,
                                                                         ann_chat):
    bot = await start_bot()
    first, *_ = await fake_api.send_album(ann, ann_chat, [FIRST, LAST, FIRST], caption="/animate --model=kling-21")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(first, "text"))
    await fake_api.wait_until(lambda: not bot.adapter.intake._active)

    assert "exactly two pictures" in reply["text"] and "3 items" in reply["text"]
    assert len(statuses(fake_api, first)) == 1
    assert await job_count(bot.core) == 0 and not simulator.billed and fake_api.sent("getFile") == []


async def test_a_last_frame_for_a_model_without_one_is_refused_by_name_at_no_cost(start_bot, simulator, fake_api,
                                                                                ann, ann_chat):
    bot = await start_bot()
    first, _ = await fake_api.send_album(ann, ann_chat, [FIRST, LAST], caption="/animate --model=kling-25-turbo")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(first, "text"))

    assert "kling-25-turbo takes no last frame (end_image)" in reply["text"]
    assert await job_count(bot.core) == 0 and not creates(simulator) and not simulator.billed


async def test_a_video_captioned_video_is_restyled_and_delivered(start_bot, simulator, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_video(ann, ann_chat, sample_video(),
                                        caption="/video --model=runway-aleph as a watercolour")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert is_mp4(fake_api.file_bytes(video["video"]["file_id"]))
    [sent] = creates(simulator)
    assert sent["model"] == "runway-aleph" and sent["video"].startswith("data:video/mp4;base64,")
    [row] = await bot.core.inbox._db.fetchall("SELECT inputs, price, cost_mptc FROM jobs")
    assert (row["inputs"], row["cost_mptc"], row["price"]) == ("video", 300, 3)  # 2 s at 0.15 PTC a second


async def test_video_replying_to_a_video_is_video_to_video(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    clip = await fake_api.send_video(ann, ann_chat, sample_video())
    command = await fake_api.send_text(ann, ann_chat, "/video --model=runway-aleph in snow", reply_to=clip)

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    [sent] = creates(simulator)
    assert sent["video"].startswith("data:video/mp4;base64,") and sent["prompt"] == "in snow"


async def test_a_video_for_a_model_that_takes_none_is_refused_at_no_cost(start_bot, simulator, fake_api, ann,
                                                                        ann_chat):
    bot = await start_bot()
    command = await fake_api.send_video(ann, ann_chat, sample_video(), caption="/video --model=kling-21 a fox")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "kling-21 does not take a video" in reply["text"] and "runway-aleph" in reply["text"]
    assert await job_count(bot.core) == 0 and not creates(simulator) and not simulator.billed


async def test_an_oversize_video_is_refused_before_it_is_downloaded(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_video(ann, ann_chat, sample_video(), declared_size=25 * MB,
                                        caption="/video --model=runway-aleph as a watercolour")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "The video is 25.0 MB; send one of 20 MB or less." in reply["text"]
    assert fake_api.sent("getFile") == [] and not fake_api.served and not simulator.requests


async def test_an_album_stored_but_not_handled_before_a_crash_is_one_job_after_the_restart(
        make_core, start_bot, simulator, fake_api, ann, ann_chat):
    import json
    import time

    from bot.store.inbox import InboxEntry
    core = await make_core()
    # What a crash leaves: the album's updates in the inbox (stored before Telegram was told),
    # neither handled nor claimed by a living receiver.
    first, second = fake_api.album_messages(ann, ann_chat, [FIRST, LAST], caption="/animate --model=kling-21")
    updates = [{"update_id": 9_000_001 + n, "message": m} for n, m in enumerate((first, second))]
    await core.inbox.store("telegram", [InboxEntry(u["update_id"], json.dumps(u, separators=(",", ":")))
                                        for u in updates], time.time())

    bot = await start_bot(core=core)  # the door handles what it finds unhandled, at start
    await fake_api.wait_until(lambda: fake_api.reply_with(first, "video"))

    [sent] = creates(simulator)
    assert sent["image"][0].startswith("data:image/png;base64,") and sent["end_image"].startswith("data:image/jpeg")
    assert await job_count(bot.core) == 1
    assert all([await core.inbox.is_handled("telegram", u["update_id"]) for u in updates])
