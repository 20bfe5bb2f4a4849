"""/animate and the character image of /video: every way a member can attach a picture."""

from __future__ import annotations

import logging

from adapters.telegram.config import MB
from adapters.telegram.media import NOT_FETCHED
from tests.media import image_bytes, is_mp4
from tests.telegram.conftest import TOKEN

PHOTO = image_bytes(640, 480, "JPEG")


def video_submissions(simulator):
    return [r["body"] for r in simulator.requests if r["path"].endswith("/video_generation")]


async def test_photo_captioned_animate_becomes_a_video(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/animate make it move")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert is_mp4(fake_api.file_bytes(video["video"]["file_id"]))
    body = video_submissions(simulator)[0]
    assert body["model"] == "I2V-01" and body["first_frame_image"].startswith("data:image/jpeg")
    assert body["prompt"] == "make it move"


async def test_animate_replying_to_a_photo_becomes_a_video(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    photo = await fake_api.send_photo(ann, ann_chat, PHOTO)
    command = await fake_api.send_text(ann, ann_chat, "/animate", reply_to=photo)

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert is_mp4(fake_api.file_bytes(video["video"]["file_id"]))


async def test_animate_on_an_image_sent_as_a_file_becomes_a_video(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_document(ann, ann_chat, image_bytes(800, 600, "PNG"), file_name="frame.png",
                                           mime_type="image/png", caption="/animate --model=live waves")

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    body = video_submissions(simulator)[0]
    assert body["model"] == "I2V-01-live" and body["first_frame_image"].startswith("data:image/png")


async def test_animate_refuses_a_non_image_file_with_a_reason(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_document(ann, ann_chat, b"%PDF-1.7 not a picture", file_name="notes.pdf",
                                           mime_type="application/pdf", caption="/animate make it move")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "“notes.pdf” is not an image (application/pdf)" in reply["text"]
    assert fake_api.sent("getFile") == []


async def test_animate_refuses_an_image_over_20_mb_without_downloading_it(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_document(ann, ann_chat, PHOTO, file_name="huge.jpg", mime_type="image/jpeg",
                                           caption="/animate", declared_size=30 * MB)

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "30.0 MB" in reply["text"] and "20 MB or less" in reply["text"]
    assert fake_api.sent("getFile") == []


async def test_animate_without_a_picture_explains_how_to_attach_one(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/animate make it move")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "caption of a photo" in reply["text"]


async def test_animate_refuses_a_too_small_picture_with_the_core_reason(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, image_bytes(200, 150, "JPEG"), caption="/animate")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "200×150 px" in reply["text"]


async def test_video_captioning_a_photo_uses_it_as_the_character(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/video a knight walks through rain")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert video["caption"].endswith("S2V-01")
    body = video_submissions(simulator)[0]
    assert body["model"] == "S2V-01" and body["subject_reference"][0]["type"] == "character"


async def test_video_replying_to_a_non_image_file_makes_a_text_video(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    pdf = await fake_api.send_document(ann, ann_chat, b"%PDF-1.7 notes", file_name="notes.pdf",
                                       mime_type="application/pdf")
    command = await fake_api.send_text(ann, ann_chat, "/video a knight in the rain", reply_to=pdf)

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert video_submissions(simulator)[0]["model"] == "T2V-01"


async def test_animate_waits_out_flood_control_on_get_file(start_bot, fake_api, ann, ann_chat):
    fake_api.fail_next("getFile", retry_after=0.2)
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/animate")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    assert "video" in video


async def test_a_failed_picture_download_gets_a_fixed_reply_and_the_token_stays_hidden(
        start_bot, fake_api, ann, ann_chat, caplog):
    caplog.set_level(logging.DEBUG)
    fake_api.fail_next("download", 500, "Internal Server Error")
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/animate")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert reply["text"] == f"⚠️ {NOT_FETCHED}"
    assert "Could not download picture" in caplog.text and TOKEN not in caplog.text


async def test_animate_stops_downloading_a_file_of_unknown_size_past_20_mb(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_unsized_document(ann, ann_chat, 64 * MB, file_name="huge.png",
                                                   mime_type="image/png", caption="/animate")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "over 20 MB" in reply["text"]
    assert fake_api.served[command["document"]["file_id"]] < 64 * MB
