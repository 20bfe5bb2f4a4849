"""How many pictures a unified model takes (its `image` parameter's `max_num`, room for a last
frame where it takes `end_image`, none where it takes none): more is refused in one sentence
naming the limit, before anything is spent."""

from __future__ import annotations

import copy

import pytest

from bot.catalog.feed import shipped_entries
from bot.catalog.unified import Pricing, read_models
from bot.errors import ValidationError
from bot.i18n import render
from bot.unified_options import check_parameters, picture_limit
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request
from tests.media import image_bytes

STILL = "pixverse-v5-still"  # a model 302.AI lists for pictures whose `image` takes none (max_num 0)


def still_entry() -> dict:
    entry = copy.deepcopy(next(e for e in shipped_entries() if e["model_name"] == "pixverse-v5"))
    entry["model_name"] = STILL
    for param in entry["parameters"]:
        if param["name"] == "image":
            param["max_num"] = 0
    return entry


def model(name: str):
    entries = shipped_entries() + [still_entry()]
    [found] = [m for m in read_models(entries, Pricing({}, {}))[0] if m.name == name]
    return found


def refusal(name: str, images: int) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        check_parameters(model(name), {}, images=images)
    return refused.value


def test_a_model_whose_image_takes_one_refuses_a_second_picture_naming_the_limit():
    check_parameters(model("pixverse-v5"), {}, images=1)
    assert str(refusal("pixverse-v5", 2)) == "pixverse-v5 takes at most 1 picture; you sent 2."


def test_max_num_three_takes_three_pictures_and_refuses_a_fourth():
    check_parameters(model("google-veo31-pro"), {}, images=3)
    assert str(refusal("google-veo31-pro", 4)) == "google-veo31-pro takes at most 3 pictures; you sent 4."


def test_a_model_that_takes_a_last_frame_takes_two_pictures():
    assert picture_limit(model("kling-21")) == 2
    assert str(refusal("kling-21", 3)) == "kling-21 takes at most 2 pictures; you sent 3."


def test_max_num_zero_takes_no_picture():
    check_parameters(model(STILL), {}, images=0)
    assert str(refusal(STILL, 1)) == f"{STILL} takes no picture; send the command without one."


def test_a_model_listing_no_image_parameter_takes_a_picture_only_if_it_animates():
    sora = copy.deepcopy(next(e for e in shipped_entries() if e["model_name"] == "sora-2"))
    sora["parameters"] = [p for p in sora["parameters"] if p["name"] != "image"]
    text_only = {**copy.deepcopy(sora), "model_name": "sora-2-text", "capabilities": {"t2v": True, "i2v": False}}
    animates, draws = read_models([sora, text_only], Pricing({}, {}))[0]
    assert (picture_limit(animates), picture_limit(draws)) == (1, 0)


def test_the_limit_is_said_in_the_members_language():
    assert render(refusal("pixverse-v5", 2).text, "zh") == "pixverse-v5 最多接受 1 张图片；你发送了 2 张。"


async def test_animate_with_a_picture_for_a_model_that_takes_none_is_refused_at_no_cost(make_core, simulator):
    simulator.unified.models.append(still_entry())
    core = await make_core()
    core.register("test", RecordingMessenger())

    with pytest.raises(ValidationError, match=f"^{STILL} takes no picture; send the command without one.$"):
        await core.submit(request("animate", "the cat waves", model=STILL, image=image_bytes(640, 480)))
    assert not any(r["path"] == "/302/v2/video/create" for r in simulator.requests) and not simulator.billed
    assert (await core.quota(ALICE)).used_today == 0
