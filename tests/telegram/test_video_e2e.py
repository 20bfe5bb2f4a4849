"""/video: status message, progress edits within Telegram's rate, the video as a reply."""

from __future__ import annotations

from tests.media import is_mp4
from tests.telegram.conftest import EDIT_INTERVAL


def video_reply(fake_api, command):
    return next((m for m in fake_api.replies_to(command) if "video" in m), None)


def edits_of(fake_api, message):
    return [c for c in fake_api.calls
            if c.method == "editMessageText" and c.params["message_id"] == message["message_id"]]


async def test_video_status_shows_progress_then_the_video_arrives(start_bot, simulator, fake_api, ann, ann_chat):
    simulator.configure(video_seconds=1.0)
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video a fox running through snow")

    video = await fake_api.wait_until(lambda: video_reply(fake_api, command))

    status = fake_api.replies_to(command)[0]
    texts = fake_api.versions(status)
    assert texts[0].startswith("⏳ Queued your video with T2V-01")
    assert any("Generating" in t for t in texts[1:]), texts
    assert video["caption"].startswith("a fox running through snow")
    assert is_mp4(fake_api.file_bytes(video["video"]["file_id"]))
    await fake_api.wait_until(lambda: fake_api.message(ann_chat["id"], status["message_id"])["text"].startswith("✅"))
    await bot.core.wait_idle()


async def test_status_edits_keep_to_the_edit_interval(start_bot, simulator, fake_api, ann, ann_chat):
    simulator.configure(video_seconds=1.0)
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video waves on a beach")
    await fake_api.wait_until(lambda: video_reply(fake_api, command))
    status = fake_api.replies_to(command)[0]
    await fake_api.wait_until(lambda: fake_api.message(ann_chat["id"], status["message_id"])["text"].startswith("✅"))

    times = [c.at for c in edits_of(fake_api, status)]
    assert len(times) >= 3
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= EDIT_INTERVAL, gaps


async def test_retry_after_on_an_edit_is_waited_out_and_the_video_still_arrives(
        start_bot, simulator, fake_api, ann, ann_chat):
    simulator.configure(video_seconds=1.0)
    fake_api.fail_next("editMessageText", retry_after=0.6)
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video rain over a city")

    await fake_api.wait_until(lambda: video_reply(fake_api, command))

    status = fake_api.replies_to(command)[0]
    calls = edits_of(fake_api, status)
    refused = next(i for i, c in enumerate(calls) if c.error is not None)
    assert calls[refused].error.code == 429
    assert calls[refused + 1].at - calls[refused].at >= 0.6
    assert calls[refused + 1].error is None


async def test_a_video_telegram_answers_for_late_is_posted_once(start_bot, fake_api, ann, ann_chat):
    # Past PTB's default 5 s read timeout, as Telegram often is after a 50 MB upload.
    fake_api.answer_slowly("sendVideo", 5.5)
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video a slow river")

    await fake_api.wait_until(lambda: video_reply(fake_api, command))
    await bot.core.wait_idle()

    assert len([m for m in fake_api.replies_to(command) if "video" in m]) == 1
