"""A job's life through the core against the simulator: delivered and charged, or refunded and told."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.errors import DestinationGone
from bot.jobs.texts import GEN_FAILED, NOT_POSTED, TOO_BUSY, TOO_SLOW
from tests.conftest import FAST, RecordingMessenger, wait_for
from tests.core.helpers import ALICE, BOB, ledger_balances, request
from tests.media import image_bytes, is_mp4, is_png


@pytest.fixture
def messenger():
    return RecordingMessenger()


@pytest.fixture
async def core(make_core, messenger):
    core = await make_core()
    core.register("test", messenger)
    await core.start()
    return core


async def test_image_is_delivered_as_a_png_and_charged(core, messenger):
    ticket = await core.submit(request("image", "a red fox"))
    await core.wait_idle()
    [(job_id, result)] = messenger.delivered
    assert job_id == ticket.job_id and result.kind == "image" and is_png(result.data)
    assert (await core.quota(ALICE)).used_today == 1
    assert await ledger_balances(core)


async def test_video_is_delivered_as_an_mp4_after_progress(core, messenger):
    ticket = await core.submit(request("video", "a cat surfing"))
    await core.wait_idle()
    [(_, result)] = messenger.delivered
    stages = [p.stage for j, p in messenger.progress_updates if j == ticket.job_id]
    assert is_mp4(result.data) and result.filename.endswith(".mp4")
    assert stages[0] == "submitted" and stages[-1] == "downloading"
    assert (await core.job(ticket.job_id)).state == "delivered"


async def test_acknowledgement_patch_is_stored_in_the_destination(core, messenger):
    ticket = await core.submit(request("image", "a red fox"))
    await core.wait_idle()
    assert (await core.job(ticket.job_id)).destination["status_message"] == f"msg-{ticket.job_id}"
    assert messenger.acks[0][1] == ticket


async def test_failed_generation_is_refunded_with_a_reason(core, messenger):
    ticket = await core.submit(request("video", "a cat [sim:fail]"))
    await core.wait_idle()
    assert messenger.failures == [(ticket.job_id, str(GEN_FAILED))]
    assert (await core.quota(ALICE)).used_today == 0
    assert await ledger_balances(core)


async def test_flagged_prompt_is_refunded_and_called_sensitive(core, messenger):
    await core.submit(request("video", "something [sim:flag]"))
    await core.wait_idle()
    [(_, reason)] = messenger.failures
    assert "sensitive" in reason and "credits are back" in reason
    assert (await core.quota(ALICE)).used_today == 0


async def test_flagged_video_is_refunded(core, messenger):
    await core.submit(request("video", "something [sim:flag-video]"))
    await core.wait_idle()
    assert "sensitive" in messenger.failures[0][1]
    assert (await core.quota(ALICE)).used_today == 0


async def test_empty_balance_tells_the_member_the_operator_knows(core, messenger, caplog):
    await core.submit(request("image", "a fox [sim:balance]"))
    await core.wait_idle()
    assert "operator has been told" in messenger.failures[0][1]
    assert any(r.levelname == "ERROR" and "1008" in r.getMessage() for r in caplog.records)


async def test_refusals_that_prove_nothing_was_started_are_retried_until_success(core, messenger, simulator):
    for fault in ("429", "1002", "503"):  # the submission, three times
        simulator.fail_next(fault)
    await core.submit(request("video", "a cat"))
    await core.wait_idle()
    assert len(messenger.delivered) == 1 and not messenger.failures
    assert len(simulator.billed) == 1


async def test_failed_status_queries_are_retried_until_success(core, messenger, simulator):
    ticket = await core.submit(request("video", "a cat"))
    await wait_for(lambda: simulator.billed, what="the submission")
    for fault in ("500", "garbage", "code=1013"):  # free lookups may always be asked again
        simulator.fail_next(fault)
    await core.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures


async def test_endless_rate_limits_end_in_a_refund(make_core, messenger, simulator):
    core = await make_core(image_deadline=2.0)  # tried again until its deadline, not a number of times
    core.register("test", messenger)
    simulator.configure(fault="1002")
    await core.submit(request("image", "a fox"))
    await core.wait_idle()
    assert messenger.failures[0][1] == str(TOO_BUSY)
    assert (await core.quota(ALICE)).used_today == 0
    assert not simulator.billed and await ledger_balances(core)


async def test_deadline_refunds_a_video_that_never_finishes(make_core, messenger):
    core = await make_core(video_deadline=0.5)
    core.register("test", messenger)
    await core.submit(request("video", "a slow cat [sim:slow=30]"))
    await core.wait_idle()
    assert messenger.failures[0][1] == str(TOO_SLOW)
    assert await ledger_balances(core)


async def test_failed_delivery_is_retried(core, messenger):
    messenger.fail_deliveries = 2
    await core.submit(request("image", "a fox"))
    await core.wait_idle()
    assert len(messenger.delivered) == 1 and (await core.quota(ALICE)).used_today == 1


async def test_delivery_that_never_works_within_its_window_is_refunded(make_core, messenger):
    core = await make_core(timing=replace(FAST, delivery_window=0.5))
    core.register("test", messenger)
    messenger.fail_deliveries = 1000
    await core.submit(request("image", "a fox"))
    await core.wait_idle()
    assert messenger.failures[0][1] == str(NOT_POSTED)
    assert (await core.quota(ALICE)).used_today == 0
    assert await ledger_balances(core)


async def test_result_over_the_upload_limit_comes_as_a_link(core, messenger):
    messenger.limit = 1000
    await core.submit(request("video", "a cat"))
    await core.wait_idle()
    [(_, result)] = messenger.delivered
    assert result.data is None and result.url.startswith("http://127.0.0.1")


async def test_character_image_makes_an_s2v_request(core, simulator):
    ticket = await core.submit(request("video", "she dances", image=image_bytes()))
    await core.wait_idle()
    sent = next(r for r in simulator.requests if r["path"].endswith("video_generation"))
    assert ticket.model == "S2V-01" and ticket.price == 7
    assert sent["body"]["subject_reference"][0]["type"] == "character"


async def test_hailuo_options_reach_302ai(core, simulator):
    ticket = await core.submit(request("video", "a fox", model="Hailuo-02", duration="10", resolution="768p",
                                       camera="pan left, zoom in"))
    await core.wait_idle()
    sent = next(r for r in simulator.requests if r["path"].endswith("video_generation"))["body"]
    assert (sent["duration"], sent["resolution"]) == (10, "768P")
    assert sent["prompt"] == "[Pan left,Zoom in] a fox"
    assert ticket.price == 10


async def test_image_model_of_the_unified_interface_with_aspect_ratio(core, messenger, simulator):
    await core.submit(request("image", "sky city", model="google-v3-t2i", aspect_ratio="16:9"))
    await core.wait_idle()
    # google-v3-t2i has 302.AI's asynchronous form (bot.catalog.models._ASYNC_IMAGES): same body, v2 route
    sent = next(r for r in simulator.requests if r["path"] == "/302/v2/image/generate")["body"]
    assert sent == {"model": "google-v3-t2i", "prompt": "sky city", "aspect_ratio": "16:9"}
    assert is_png(messenger.delivered[0][1].data)


async def test_rerun_repeats_the_job_for_whoever_asks(core, messenger, simulator):
    first = await core.submit(request("animate", "wave", image=image_bytes()))
    await core.wait_idle()
    again = await core.rerun(first.job_id, BOB, {"chat": "chat-1"})
    await core.wait_idle()
    rerun = await core.job(again.job_id)
    assert rerun.requester == BOB and rerun.prompt == "wave" and rerun.has_image
    assert len(messenger.delivered) == 2 and (await core.quota(BOB)).used_today == 5


async def test_a_chat_that_is_gone_gets_its_delivery_refunded_at_once(core, messenger):
    class Gone(RecordingMessenger):
        delivery_attempts = 0

        async def deliver(self, job, result):
            self.delivery_attempts += 1
            raise DestinationGone("bot was removed from the chat")

        async def fail(self, job, reason):
            raise DestinationGone("bot was removed from the chat")

    gone = Gone()
    core.register("test", gone)
    ticket = await core.submit(request("image", "a fox"))
    await core.wait_idle()
    job = await core.job(ticket.job_id)
    assert gone.delivery_attempts == 1
    assert (job.state, job.notified) == ("failed", True)
    assert (await core.quota(ALICE)).used_today == 0
