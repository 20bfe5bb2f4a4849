"""One message per job (TELEGRAM_RESULT_IN_PLACE): the answer to a command is a placeholder
photo whose caption carries the status, and the result takes its place. Real PTB against
the fake Bot API, with Telegram's budgets enforced (a 429 lands in the fake's errors, which
the fixture checks)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.jobs.runner import Timing
from tests.conftest import FAST
from tests.media import is_mp4, is_png
from tests.telegram.fake_limits import TelegramLimits, counted


@pytest.fixture
def in_place(tg_config, fake_api):
    fake_api.limits = TelegramLimits()
    return replace(tg_config, result_in_place=True)


# as in production: "Fetching the result" only when fetching it takes a while
TIMING = replace(FAST, fetching_after=Timing().fetching_after)


def messages_to(fake_api, chat_id: int) -> list[str]:
    """The calls Telegram counts against the budget, in order, for one chat."""
    return [c.method for c in fake_api.calls if c.params.get("chat_id") == chat_id and counted(c.method)]


async def test_an_image_job_costs_two_calls_and_one_message(start_bot, fake_api, in_place, ann, ann_chat):
    bot = await start_bot(config=in_place, timing=TIMING)
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await fake_api.wait_until(lambda: status.get("caption", "").startswith("a cat"))
    await bot.core.wait_idle()

    assert messages_to(fake_api, ann_chat["id"]) == ["sendPhoto", "editMessageMedia"]
    assert fake_api.replies_to(command) == [status]  # the answer became the result
    assert fake_api.versions(status)[0].startswith("⏳ Queued your image with minimaxi-image-01")
    assert is_png(fake_api.file_bytes(status["photo"][-1]["file_id"]))
    assert [b["text"] for row in status["reply_markup"]["inline_keyboard"] for b in row] == ["🔁 Again", "🎬 Animate"]


async def test_the_placeholder_is_uploaded_once_then_sent_by_its_file_id(start_bot, fake_api, in_place, ann,
                                                                          ann_chat):
    bot = await start_bot(config=in_place, timing=TIMING)
    for prompt in ("a cat", "a dog"):
        command = await fake_api.send_text(ann, ann_chat, f"/image {prompt}")
        status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
        await fake_api.wait_until(lambda: status.get("caption", "").startswith(prompt))
    await bot.core.wait_idle()

    first, second = fake_api.sent("sendPhoto", ann_chat["id"])
    assert "photo" in first.files and "photo" not in second.files
    assert isinstance(second.params["photo"], str)  # the first upload's file_id


async def test_a_video_shows_its_stages_in_the_caption_then_becomes_the_video(start_bot, simulator, fake_api,
                                                                             in_place, ann, ann_chat):
    simulator.configure(video_seconds=1.0)
    bot = await start_bot(config=in_place, timing=TIMING)
    command = await fake_api.send_text(ann, ann_chat, "/video a fox running through snow")

    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await fake_api.wait_until(lambda: "video" in status)
    await bot.core.wait_idle()

    assert fake_api.replies_to(command) == [status]
    captions = fake_api.versions(status)
    assert any("Generating" in c for c in captions), captions
    assert status["caption"].startswith("a fox running through snow")
    assert is_mp4(fake_api.file_bytes(status["video"]["file_id"]))
    edits = [m for m in messages_to(fake_api, ann_chat["id"]) if m == "editMessageCaption"]
    assert 1 <= len(edits) <= 4  # a stage change each, not an edit per poll


async def test_a_deleted_placeholder_gets_the_result_as_a_new_message(start_bot, simulator, fake_api, in_place,
                                                                      ann, ann_chat):
    simulator.configure(image_seconds=1.0)
    bot = await start_bot(config=in_place, timing=TIMING)
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    fake_api.delete(status)  # the member deleted the bot's answer while the image was made

    result = await fake_api.wait_until(
        lambda: next((m for m in fake_api.replies_to(command) if m.get("caption", "").startswith("a cat")), None))
    await bot.core.wait_idle()

    assert is_png(fake_api.file_bytes(result["photo"][-1]["file_id"]))
    assert len(fake_api.replies_to(command)) == 1  # only the result: the deleted answer stays deleted
    assert fake_api.take_errors() == [("editMessageMedia", "Bad Request: message to edit not found")]
