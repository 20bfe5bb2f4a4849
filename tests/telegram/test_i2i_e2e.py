"""/image with a picture: image-to-image through the real PTB, the fake Bot API and the simulator."""

from __future__ import annotations

import io

from PIL import Image

from bot.domain.requests import Requester
from tests.media import image_bytes

PHOTO = image_bytes(640, 480, "JPEG")


def unified_requests(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/302/image/generate"]


def photo_size(fake_api, message: dict) -> tuple[int, int]:
    with Image.open(io.BytesIO(fake_api.file_bytes(message["photo"][-1]["file_id"]))) as img:
        return img.size


async def test_a_photo_captioned_image_is_redrawn_by_the_default_i2i_model(start_bot, simulator, fake_api, ann,
                                                                          ann_chat):
    bot = await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/image as a watercolour")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    [body] = unified_requests(simulator)
    assert body["model"] == "stable-sd3-i2i" and body["prompt"] == "as a watercolour"
    assert body["image"].startswith("data:image/jpeg;base64,")
    assert "aspect_ratio" not in body and "negative_prompt" not in body
    assert photo_size(fake_api, photo) == (512, 384)  # the simulator keeps the source's shape
    assert "stable-sd3-i2i" in photo["caption"]
    await bot.core.wait_idle()
    assert (await bot.core.quota(Requester("telegram", str(ann["id"])))).used_today == 1


async def test_image_replying_to_a_photo_with_a_model_and_negative_prompt(start_bot, simulator, fake_api, ann,
                                                                         ann_chat):
    await start_bot()
    photo = await fake_api.send_photo(ann, ann_chat, image_bytes(800, 600, "PNG"))
    command = await fake_api.send_text(
        ann, ann_chat, '/image --model=302ai-kolors-i2i --negative_prompt="blurry, text" a snowy version',
        reply_to=photo)

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    [body] = unified_requests(simulator)
    assert body["model"] == "302ai-kolors-i2i" and body["prompt"] == "a snowy version"
    assert body["negative_prompt"] == "blurry, text"
    assert body["image"].startswith("data:image/png;base64,")


async def test_an_i2i_model_without_a_picture_is_refused_and_costs_nothing(start_bot, simulator, fake_api, ann,
                                                                           ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image --model=stable-sd3.5-large-i2i a castle")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "stable-sd3.5-large-i2i redraws a picture: attach the image" in reply["text"]
    assert simulator.billed == []
    assert (await bot.core.quota(Requester("telegram", str(ann["id"])))).used_today == 0


async def test_a_text_only_model_with_a_picture_is_refused_rather_than_dropping_it(start_bot, simulator, fake_api,
                                                                                  ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/image --model=flux-dev-t2i a castle")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "flux-dev-t2i draws from text only" in reply["text"]
    assert "stable-sd3-i2i" in reply["text"] and "302ai-kolors-i2i" in reply["text"]
    assert simulator.billed == []


async def test_an_i2i_model_takes_no_aspect_ratio(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, PHOTO, caption="/image --ar=16:9 a castle")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "stable-sd3-i2i has no option “aspect_ratio”" in reply["text"]
    assert "negative_prompt" in reply["text"]  # what it does take
    assert simulator.billed == []


async def test_the_turbo_model_takes_no_negative_prompt(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(
        ann, ann_chat, PHOTO, caption="/image --model=stable-sd3-turbo-i2i --negative_prompt=fog a castle")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "stable-sd3-turbo-i2i has no option “negative_prompt”" in reply["text"]
    assert simulator.billed == []


async def test_a_picture_too_small_for_302ai_is_refused_before_anything_is_spent(start_bot, simulator, fake_api,
                                                                                ann, ann_chat):
    await start_bot()
    command = await fake_api.send_photo(ann, ann_chat, image_bytes(280, 280, "JPEG"), caption="/image bigger")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    assert "shorter side must be over 300 px" in reply["text"]
    assert simulator.billed == []


async def test_a_webp_picture_is_sent_as_a_jpeg(start_bot, simulator, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_document(ann, ann_chat, image_bytes(640, 640, "WEBP"), file_name="a.webp",
                                           mime_type="image/webp", caption="/image in pencil")

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    [body] = unified_requests(simulator)
    assert body["image"].startswith("data:image/jpeg;base64,")
