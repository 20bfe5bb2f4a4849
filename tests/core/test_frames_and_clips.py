"""A last frame and a video to restyle, in the core: checked against the model before anything
is reserved, stored with the job, and sent again on every resubmission of it (302.AI proved it
did not take the call), on a re-roll and on an edit; a re-roll whose inputs are gone is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.errors import UserError, ValidationError
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, ledger_balances, request
from tests.media import image_bytes, sample_video

FIRST = image_bytes(640, 480, "PNG")
LAST = image_bytes(640, 480, "JPEG")


@pytest.fixture
async def core(make_core):
    core = await make_core()
    core.register("test", RecordingMessenger())
    await core.start()
    return core


def bodies(simulator, path: str) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == path]


def framed(model: str, prompt: str = "dusk falls"):
    return replace(request("animate", prompt, model=model, image=FIRST), end_image=LAST)


async def test_a_create_302ai_did_not_take_is_sent_again_with_its_last_frame(core, simulator):
    simulator.fail_next("503")  # proves 302.AI did not take it: the job is queued again
    await core.submit(framed("luma-video"))
    await core.wait_idle()

    first, second = bodies(simulator, "/302/v2/video/create")
    assert first == second and second["end_image"].startswith("data:image/jpeg;base64,")
    assert len(simulator.billed) == 1 and await ledger_balances(core)


async def test_a_reroll_and_an_edit_send_the_same_first_and_last_frame(core, simulator):
    original = await core.submit(framed("MiniMax-Hailuo-02"))
    await core.wait_idle()

    await core.rerun(original.job_id, ALICE, {"chat": "chat-1"})
    await core.rerun(original.job_id, ALICE, {"chat": "chat-1"}, prompt="dawn breaks")
    await core.wait_idle()

    first, again, edited = bodies(simulator, "/minimaxi/v1/video_generation")
    assert again == first and edited == {**first, "prompt": "dawn breaks"}
    assert first["last_frame_image"].startswith("data:image/jpeg;base64,")


async def test_a_reroll_of_a_video_to_video_job_sends_the_clip_again(core, simulator):
    original = await core.submit(replace(request("video", "in snow", model="runway-aleph"), video=sample_video()))
    await core.wait_idle()

    await core.rerun(original.job_id, ALICE, {"chat": "chat-1"})
    await core.wait_idle()

    first, again = bodies(simulator, "/302/v2/video/create")
    assert first == again and first["video"].startswith("data:video/mp4;base64,")


async def test_a_reroll_whose_last_frame_is_gone_is_refused_not_sent_without_it(core, simulator):
    original = await core.submit(framed("kling-21"))
    await core.wait_idle()
    async with core._store.db.transaction() as conn:  # what retention does a day after the job
        await conn.execute("DELETE FROM job_inputs")

    with pytest.raises(UserError, match="too old to repeat"):
        await core.rerun(original.job_id, ALICE, {"chat": "chat-1"})
    assert len(simulator.billed) == 1


async def test_a_last_frame_for_a_minimax_model_without_one_is_refused_before_anything_is_reserved(core, simulator):
    with pytest.raises(ValidationError, match=r"I2V-01-Director takes no last frame \(end_image\)"):
        await core.submit(framed("I2V-01-Director"))

    assert not simulator.requests and (await core.quota(ALICE)).used_today == 0


async def test_a_video_to_video_model_without_a_clip_is_refused(core, simulator):
    with pytest.raises(ValidationError, match="runway-aleph restyles a video"):
        await core.submit(request("video", "in snow", model="runway-aleph"))

    assert not simulator.requests


async def test_a_clip_without_a_model_goes_to_the_first_model_that_restyles_videos(core, simulator):
    await core.submit(replace(request("video", "in snow"), video=sample_video()))
    await core.wait_idle()

    [sent] = bodies(simulator, "/302/v2/video/create")
    assert sent["model"] == "runway-aleph"


async def test_a_file_that_is_no_video_is_refused_before_anything_is_reserved(core, simulator):
    with pytest.raises(ValidationError, match="send an MP4 or MOV video"):
        await core.submit(replace(request("video", "in snow", model="runway-aleph"), video=FIRST))

    assert not simulator.requests and (await core.quota(ALICE)).used_today == 0


async def test_the_simulator_refuses_a_last_frame_the_model_does_not_take(simulator):
    """So that the tests above show the bot's own check kept the call from being sent."""
    from bot.ai302.client import Ai302Client
    from bot.errors import Ai302Error
    from bot.jobs.payloads import data_url
    from tests.conftest import SIM_KEY

    last = data_url("image/jpeg", LAST)
    async with Ai302Client(simulator.base_url, SIM_KEY) as client:
        with pytest.raises(Ai302Error):
            await client.create_video({"model": "kling-25-turbo", "image": [data_url("image/png", FIRST)],
                                       "end_image": last})
        with pytest.raises(Ai302Error):
            await client.submit_video({"model": "I2V-01", "first_frame_image": data_url("image/png", FIRST),
                                       "last_frame_image": last})
        with pytest.raises(Ai302Error):
            await client.create_video({"model": "kling-21", "prompt": "a fox",
                                       "video": data_url("video/mp4", sample_video())})
    assert not simulator.billed


def _with_header_claiming(data: bytes, box: bytes, seconds: int) -> bytes:
    """`data` whose version-0 `box` (mvhd or mdhd) says the clip lasts `seconds`."""
    import struct
    at = data.index(box) + 4  # the box's body, after its type
    scale = struct.unpack_from(">I", data, at + 12)[0]
    return data[:at + 16] + struct.pack(">I", seconds * scale) + data[at + 20:]


def test_a_clip_is_priced_by_what_its_frames_last_not_by_a_header_claiming_less():
    from bot.video_input import check_video

    clip = sample_video()  # 2 s of frames
    lying = _with_header_claiming(_with_header_claiming(clip, b"mvhd", 1), b"mdhd", 1)
    longer = _with_header_claiming(clip, b"mvhd", 9)  # an edit list may run past the frames: the longest counts

    assert check_video(clip).seconds == 2.0
    assert check_video(lying).seconds == 2.0
    assert check_video(longer).seconds == 9.0
