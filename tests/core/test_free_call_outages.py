"""A billed video is asked about until its deadline plus a grace period, whatever 302.AI's
free calls meet meanwhile: an outage of the status query (or of file info) costs nobody a
video, and a video resumed long after its deadline is still delivered."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import replace

from tests.conftest import FAST, SIM_KEY, RecordingMessenger, wait_for
from tests.core.helpers import ALICE, ledger_balances, request
from tests.run_process import ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi

# FAST waits about 1/120 of the real ones (retry_max 0.5 s against 60 s): an outage of 2.5 s
# here is one of 5 minutes, and the deadline and grace are scaled the same way.
SCALE = 1 / 120
OUTAGE = 5 * 60 * SCALE
TIMING = replace(FAST, query_grace=30 * 60 * SCALE)
VIDEOS = 5


async def refunds(core) -> int:
    row = await core._store._db.fetchone("SELECT COUNT(*) AS n FROM ledger WHERE entry = 'refund'")
    return row["n"]


async def run_through_outage(make_core, simulator, on: tuple[str, ...]) -> tuple[RecordingMessenger, object]:
    messenger = RecordingMessenger()
    core = await make_core(timing=TIMING, video_deadline=30 * 60 * SCALE, daily_credits=1000, max_in_flight=100)
    core.register("test", messenger)
    await core.start()
    tickets = [await core.submit(request("video", f"a cat, take {i}")) for i in range(VIDEOS)]
    await wait_for(lambda: len(simulator.billed) == VIDEOS, what="every video billed")
    simulator.outage("503", OUTAGE, on=on)  # 302.AI goes on making the videos meanwhile
    await core.wait_idle()
    assert simulator.outages.refused[on[0]] > VIDEOS  # the outage was met, more than once per video
    assert sorted(j for j, _ in messenger.delivered) == sorted(t.job_id for t in tickets)
    return messenger, core


async def test_a_five_minute_outage_of_the_status_query_ends_with_every_video_delivered_once_and_no_refund(
        make_core, simulator):
    messenger, core = await run_through_outage(make_core, simulator, ("query",))
    assert not messenger.failures and await refunds(core) == 0
    assert len(simulator.billed) == VIDEOS and (await core.quota(ALICE)).used_today == 5 * VIDEOS
    assert await ledger_balances(core)


async def test_an_outage_of_file_info_after_the_video_finished_still_delivers_it(make_core, simulator):
    messenger, core = await run_through_outage(make_core, simulator, ("retrieve",))
    assert not messenger.failures and await refunds(core) == 0
    assert await ledger_balances(core)


# -- a restart long after the deadline, with real `reelbot run` processes ------------------------

TOKEN = "7000004:AAHgraceTOKEN_0123456789abcdef"


def bot_env(simulator, fake: FakeBotApi, data_dir) -> dict[str, str]:
    return {"AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": fake.base_url, "TELEGRAM_FILE_API_BASE": fake.base_file_url,
            "REELBOT_DATA_DIR": str(data_dir)}


def one_job(db) -> sqlite3.Row:
    with closing(sqlite3.connect(db)) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM jobs").fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def as_if_stopped_for(db, seconds_past_deadline: float) -> None:
    """Move the job's clock back: it was submitted, the bot went down, and it comes back
    `seconds_past_deadline` after the job's deadline (the job's own times, not the host's)."""
    job = one_job(db)
    assert job["deadline_at"] > time.time()  # it had not passed when the bot stopped
    shift = job["deadline_at"] - (time.time() - seconds_past_deadline)
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE jobs SET created_at = created_at - ?, deadline_at = deadline_at - ?, "
                           "submitted_at = submitted_at - ?", (shift, shift, shift))


async def test_a_restart_31_minutes_after_the_deadline_with_a_429_on_the_first_query_delivers_the_video(
        simulator, tmp_path):
    fake = FakeBotApi(TOKEN)
    await fake.start()
    try:
        env, db = bot_env(simulator, fake, tmp_path), tmp_path / "reelbot.db"
        ann = fake.user(1001, "Ann", "ann")
        first = await ReelbotProcess(env, tmp_path).start()
        try:
            await first.line(r"reelbot is running \(TelegramAdapter\)")
            command = await fake.send_text(ann, fake.private_chat(ann), "/video a cat surfing")
            await wait_for(lambda: simulator.billed, timeout=30, what="the paid call")
            await wait_for(lambda: one_job(db)["state"] == "running", timeout=30, what="the task id stored")
        finally:
            assert await first.stop() == 0, first.output
        assert fake.reply_with(command, "video") is None

        simulator.configure(finish_all=True)  # 302.AI made the video while the bot was down
        as_if_stopped_for(db, 31 * 60)
        simulator.fail_next("429")  # the first call of the restarted bot: its status query
        since = len(simulator.requests)
        second = await ReelbotProcess(env, tmp_path).start()
        try:
            await wait_for(lambda: one_job(db)["state"] in ("delivered", "failed"), timeout=30, what="its end")
        finally:
            assert await second.stop() == 0, second.output
    finally:
        await fake.close()

    after = list(simulator.requests)[since:]
    assert after[0]["path"] == "/minimaxi/v1/query/video_generation"  # the one that met the 429
    assert one_job(db)["state"] == "delivered" and fake.reply_with(command, "video")
    assert len(simulator.billed) == 1  # paid once, delivered once
    with closing(sqlite3.connect(db)) as connection:
        entries = [entry for (entry,) in connection.execute("SELECT entry FROM ledger ORDER BY id")]
    assert "refund" not in entries and "commit" in entries
