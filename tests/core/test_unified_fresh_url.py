"""A unified v2 video whose URL expired is fetched again with 302.AI's free video/fetch (it has
no MiniMax file to retrieve): on a delivery that meets a stale URL and on /jobs' fetch again.
A video 302.AI no longer has is said to be gone, and nothing is ever created again for it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.job import JobState
from bot.errors import UserError
from bot.history import URL_LIFETIME, fetchable
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, ledger_balances, request
from tests.media import is_mp4

MODEL = "kling-21"


@dataclass
class StaleOnDownload(RecordingMessenger):
    """Runs `when_downloading` once, as the delivery starts fetching the result: as if the
    delivery had come hours after 302.AI made the video."""

    when_downloading: object = None

    async def progress(self, job, progress):
        await super().progress(job, progress)
        if progress.stage == "downloading" and self.when_downloading is not None:
            act, self.when_downloading = self.when_downloading, None
            act()


@pytest.fixture
def messenger():
    return StaleOnDownload()


@pytest.fixture
async def core(make_core, messenger):
    core = await make_core()
    core.register("test", messenger)
    await core.start()
    return core


def creates(simulator) -> int:
    return sum(r["path"] == "/302/v2/video/create" for r in simulator.requests)


def fetches(simulator) -> int:
    return sum(r["path"].startswith("/302/v2/video/fetch/") for r in simulator.requests)


async def ledger_rows(core) -> int:
    return (await core._store.db.fetchone("SELECT count(*) AS n FROM ledger"))["n"]


async def test_a_delivery_meeting_an_expired_url_fetches_a_fresh_one_and_delivers(core, messenger, simulator):
    messenger.when_downloading = simulator.unified.expire_urls
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()

    [(job_id, result)] = messenger.delivered
    assert job_id == ticket.job_id and is_mp4(result.data) and not messenger.failures
    assert result.url.endswith("/1.mp4")  # the URL of the second issue: the first had expired
    job = await core.job(ticket.job_id)
    assert job.state is JobState.DELIVERED and job.result_url == result.url
    assert creates(simulator) == 1 and len(simulator.billed) == 1
    assert (await core.quota(ALICE)).used_today == ticket.price
    assert await ledger_balances(core)


async def test_a_ready_video_302ai_no_longer_has_is_refunded_with_a_clear_sentence(core, messenger, simulator):
    messenger.when_downloading = simulator.expire_files
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()

    [(job_id, text)] = messenger.failures
    assert job_id == ticket.job_id and not messenger.delivered
    assert text.startswith("That result has expired: 302.AI no longer serves it.")
    assert text.endswith("Your credits are back.")
    assert creates(simulator) == 1 and len(simulator.billed) == 1  # never made again
    assert (await core.quota(ALICE)).used_today == 0
    assert await ledger_balances(core)


async def test_jobs_fetches_a_delivered_video_again_with_a_fresh_url_for_free(core, simulator):
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()
    simulator.unified.expire_urls()
    rows, asked = await ledger_rows(core), fetches(simulator)

    again = await core.refetch(ticket.job_id, ALICE, 10 * 1024 * 1024)

    assert is_mp4(again.data) and again.url.endswith("/1.mp4")
    assert fetches(simulator) == asked + 1 and creates(simulator) == 1
    assert await ledger_rows(core) == rows


async def test_jobs_says_a_video_302ai_no_longer_has_has_expired_and_makes_nothing(core, simulator):
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()
    simulator.expire_files()
    rows = await ledger_rows(core)

    with pytest.raises(UserError, match="That result has expired: 302.AI no longer serves it"):
        await core.refetch(ticket.job_id, ALICE, 1 << 20)
    assert creates(simulator) == 1 and await ledger_rows(core) == rows


async def test_jobs_asks_a_busy_302ai_again_before_answering(core, simulator):
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()
    simulator.unified.expire_urls()
    simulator.fail_next("500")  # the next fetch fails; the one after answers

    again = await core.refetch(ticket.job_id, ALICE, 10 * 1024 * 1024)

    assert is_mp4(again.data) and again.url.endswith("/1.mp4")
    assert creates(simulator) == 1


async def test_a_delivered_unified_video_stays_fetchable_past_its_first_urls_life(core, simulator):
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()
    job = await core.job(ticket.job_id)
    assert job.file_id is None and job.task_id  # nothing to retrieve: its task is what is asked

    assert fetchable(job, job.ready_at + 2 * URL_LIFETIME)


async def test_a_ready_minimax_video_302ai_no_longer_has_takes_the_same_path(core, messenger, simulator):
    messenger.when_downloading = simulator.expire_files
    ticket = await core.submit(request("video", "a fox in the snow"))  # T2V-01: a file to retrieve
    await core.wait_idle()

    [(job_id, text)] = messenger.failures
    assert job_id == ticket.job_id and text.startswith("That result has expired: 302.AI no longer serves it.")
    assert len(simulator.billed) == 1 and (await core.quota(ALICE)).used_today == 0
    assert await ledger_balances(core)


async def test_a_fresh_url_fetch_refused_with_an_unknown_code_is_asked_again_not_taken_as_gone(core, messenger,
                                                                                               simulator):
    def stale_then_odd():
        simulator.unified.expire_urls()
        simulator.fail_next("code=9999")  # the refresh's first fetch: an error code we do not know

    messenger.when_downloading = stale_then_odd
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()

    [(job_id, result)] = messenger.delivered
    assert job_id == ticket.job_id and is_mp4(result.data) and not messenger.failures
    assert (await core.quota(ALICE)).used_today == ticket.price
    assert creates(simulator) == 1 and await ledger_balances(core)


async def test_jobs_asks_again_after_a_refusal_that_does_not_say_the_video_is_gone(core, simulator):
    ticket = await core.submit(request("video", "a fox in the snow", model=MODEL))
    await core.wait_idle()
    simulator.unified.expire_urls()
    simulator.fail_next("code=9999")

    again = await core.refetch(ticket.job_id, ALICE, 10 * 1024 * 1024)

    assert is_mp4(again.data) and again.url.endswith("/1.mp4")
