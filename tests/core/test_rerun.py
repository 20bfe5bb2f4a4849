"""Re-roll and edit in the core: a new job with the original's model, options and picture,
charged to whoever asked, once per platform event."""

from __future__ import annotations

import pytest

from bot.errors import ValidationError
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, BOB, ledger_balances, request
from tests.media import image_bytes


async def started(make_core):
    core = await make_core()
    core.register("test", RecordingMessenger())
    await core.start()
    return core


async def test_an_edit_keyed_on_one_event_makes_one_job_however_often_it_arrives(make_core, simulator):
    core = await started(make_core)
    original = await core.submit(request("image", "a red fox", model="luma-t2i", aspect_ratio="4:3"))
    await core.wait_idle()

    first = await core.rerun(original.job_id, BOB, {"chat": "chat-1"}, request_key="test:click:9", prompt="a fox")
    second = await core.rerun(original.job_id, BOB, {"chat": "chat-1"}, request_key="test:click:9", prompt="a fox")
    await core.wait_idle()

    assert first.job_id == second.job_id != original.job_id
    edited = await core.job(first.job_id)
    assert (edited.model, edited.options, edited.prompt) == ("luma-t2i", {"aspect_ratio": "4:3"}, "a fox")
    assert len(simulator.billed) == 2
    assert (await core.quota(BOB)).used_today == 1 and (await core.quota(ALICE)).used_today == 1
    assert await ledger_balances(core)


async def test_an_i2i_job_run_again_sends_the_same_picture(make_core, simulator):
    core = await started(make_core)
    original = await core.submit(request("image", "in pencil", image=image_bytes(640, 480, "JPEG"),
                                         negative_prompt="colour"))
    await core.wait_idle()

    await core.rerun(original.job_id, ALICE, {"chat": "chat-1"}, prompt="in ink")
    await core.wait_idle()

    first, second = [r["body"] for r in simulator.requests if r["path"] == "/302/image/generate"]
    assert second == {**first, "prompt": "in ink"} and first["negative_prompt"] == "colour"


async def test_an_edit_with_an_empty_prompt_is_refused_before_anything_is_reserved(make_core, simulator):
    core = await started(make_core)
    original = await core.submit(request("image", "a red fox"))
    await core.wait_idle()

    with pytest.raises(ValidationError):
        await core.rerun(original.job_id, ALICE, {"chat": "chat-1"}, prompt="\u200b ")

    assert len(simulator.billed) == 1 and (await core.quota(ALICE)).used_today == 1
