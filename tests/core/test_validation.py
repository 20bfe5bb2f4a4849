"""Bad input gets a clear message and costs nothing: no credits, no call to 302.AI."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.errors import ValidationError
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request
from tests.media import image_bytes


@pytest.fixture
async def core(make_core):
    core = await make_core()
    core.register("test", RecordingMessenger())
    await core.start()
    return core


async def refused(core, simulator, req, *fragments: str) -> None:
    with pytest.raises(ValidationError) as info:
        await core.submit(req)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert (await core.quota(ALICE)).used_today == 0
    assert not simulator.requests


async def test_empty_prompt_says_what_to_write(core, simulator):
    await refused(core, simulator, request("video", "   "), "Describe what you want after /video")


async def test_prompt_of_200_words_is_refused(core, simulator):
    await refused(core, simulator, request("image", "word " * 200), "200 words", "under 200")


async def test_prompt_over_2000_characters_is_refused(core, simulator):
    await refused(core, simulator, request("image", "x" * 2001), "2001 characters", "2000")


async def test_unknown_model_names_the_closest_valid_ones_and_points_to_models(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="sora"), "Unknown model", "T2V-01-Director",
                  "/models")


async def test_a_misspelt_model_is_answered_with_the_model_it_likely_means_first(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="minimax-hailuo-2"),
                  "The closest: MiniMax-Hailuo-02,")


async def test_a_model_of_another_command_is_answered_with_this_commands_closest(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="I2V-01"), "for /video", "The closest: T2V-01,")


async def test_option_the_model_does_not_take_is_refused_with_the_valid_ones(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="T2V-01-Director", duration="10"),
                  "has no option “duration”", "camera")


async def test_option_value_outside_the_allowed_set_is_refused(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="hailuo", duration="8"), "6, 10")


async def test_aspect_ratio_the_model_does_not_offer_is_refused(core, simulator):
    await refused(core, simulator, request("image", "a fox", aspect_ratio="7:1"), "16:9")


async def test_unknown_camera_move_lists_the_moves(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="director", camera="Barrel roll"),
                  "Unknown camera move", "Pan left")


async def test_more_than_three_camera_moves_is_refused(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="director",
                                           camera="Pan left,Zoom in,Tilt up,Shake"), "at most 3")


async def test_512p_without_a_first_frame_is_refused(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="hailuo", resolution="512P"), "/animate")


async def test_1080p_for_10_seconds_is_refused(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="hailuo", resolution="1080P",
                                           duration="10"), "6 seconds")


async def test_animate_without_an_image_asks_for_one(core, simulator):
    await refused(core, simulator, request("animate", "move"), "Attach the image")


async def test_s2v_without_a_character_asks_for_one(core, simulator):
    await refused(core, simulator, request("video", "she dances", model="S2V-01"), "character")


async def test_character_image_with_another_model_is_refused(core, simulator):
    await refused(core, simulator, request("video", "a cat", model="T2V-01", image=image_bytes()),
                  "only with S2V-01")


async def test_gif_is_refused_as_the_wrong_format(core, simulator):
    await refused(core, simulator, request("animate", image=image_bytes(fmt="GIF")), "JPG, PNG or WebP")


async def test_image_over_20_mb_is_refused(core, simulator):
    big = image_bytes() + b"\0" * (20 * 1024 * 1024)
    await refused(core, simulator, request("animate", image=big), "20 MB")


async def test_image_with_a_short_side_of_300_px_is_refused(core, simulator):
    await refused(core, simulator, request("animate", image=image_bytes(640, 300)), "640×300", "over 300 px")


async def test_image_too_wide_is_refused(core, simulator):
    await refused(core, simulator, request("animate", image=image_bytes(1600, 301)), "2:5", "5:2")


async def test_image_too_tall_is_refused(core, simulator):
    await refused(core, simulator, request("animate", image=image_bytes(400, 1100)), "2:5", "5:2")


async def test_undecodable_bytes_are_refused(core, simulator):
    await refused(core, simulator, request("animate", image=b"\x89PNG\r\n\x1a\n" + b"garbage" * 100),
                  "could not be read")


async def test_truncated_jpeg_is_refused(core, simulator):
    await refused(core, simulator, request("animate", image=image_bytes(fmt="JPEG")[:600]), "could not be read")


async def test_webp_is_converted_to_jpeg_for_models_that_do_not_take_it(core, simulator):
    ticket = await core.submit(request("animate", image=image_bytes(fmt="WEBP")))
    await core.wait_idle()
    sent = next(r for r in simulator.requests if r["path"].endswith("video_generation"))
    assert ticket.model == "I2V-01"
    assert sent["body"]["first_frame_image"].startswith("data:image/jpeg;base64,")


async def test_webp_goes_as_is_to_hailuo(core, simulator):
    await core.submit(request("animate", model="hailuo", image=image_bytes(fmt="WEBP")))
    await core.wait_idle()
    sent = next(r for r in simulator.requests if r["path"].endswith("video_generation"))
    assert sent["body"]["first_frame_image"].startswith("data:image/webp;base64,")


def mpo_bytes() -> bytes:
    """What a phone camera saves: a JPEG with a second frame appended (Pillow reads it as MPO)."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (640, 480), (10, 120, 200)), Image.new("RGB", (640, 480), (0, 0, 0))
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


async def test_a_phone_photo_read_as_mpo_is_accepted_and_sent_as_a_plain_jpeg(core, simulator):
    data = mpo_bytes()
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "MPO"
    await core.submit(request("animate", image=data))
    await core.wait_idle()
    sent = next(r for r in simulator.requests if r["path"].endswith("video_generation"))
    assert sent["body"]["first_frame_image"].startswith("data:image/jpeg;base64,")
    stored = (await core._store.image(next(iter(await _job_ids(core)))))[1]
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and img.size == (640, 480)


async def _job_ids(core) -> list[str]:
    return [row["id"] for row in await core._store._db.fetchall("SELECT id FROM jobs")]
