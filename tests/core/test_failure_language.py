"""A failed job's reason is kept as a message id and parameters, so its notice is rendered in
its member's language whenever it is sent — also after a restart, and for rows stored as
plain English before localization."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.domain.job import JobState
from bot.metrics import reason_label
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, request

MEI = replace(ALICE, user_id="mei", name="Mei", language="zh-hans")


async def test_the_reason_is_stored_as_a_message_and_told_in_the_members_language(make_core):
    messenger = RecordingMessenger()
    core = await make_core()
    core.register("test", messenger)
    await core.start()

    mei = await core.submit(request("video", "a cat [sim:flag]", who=MEI))
    alice = await core.submit(request("video", "a cat [sim:flag]"))
    await core.wait_idle()

    told = dict(messenger.failures)
    assert told[mei.job_id] == "302.AI 将此内容标记为敏感内容。请修改提示词或换一张图片。你的积分已退还。"
    assert told[alice.job_id].startswith("302.AI flagged this as sensitive content.")
    row = await core._store.db.fetchone("SELECT failure, language FROM jobs WHERE id = ?", (mei.job_id,))
    stored = json.loads(row["failure"])
    assert stored["msgid"] == "{reason} Your credits are back." and row["language"] == "zh-hans"
    assert reason_label(row["failure"]) == "flagged"


async def test_a_notice_owed_after_a_restart_is_in_the_members_language_and_old_rows_read_as_they_are(
        make_core, tmp_path):
    db_path = tmp_path / "restart.db"
    first = await make_core(db_path=db_path)
    first.register("test", RecordingMessenger())
    await first.start()
    mei = await first.submit(request("video", "a cat [sim:fail]", who=MEI))
    old = await first.submit(request("video", "a dog [sim:fail]"))
    await first.wait_idle()
    await first.stop()
    # as if the members had not been told yet; and one row written before reasons were localized
    reopened = await make_core(db_path=db_path)
    async with reopened._store.db.transaction() as conn:
        await conn.execute("UPDATE jobs SET notified = 0, posting = 0")
        await conn.execute("UPDATE jobs SET failure = ? WHERE id = ?",
                           ("302.AI could not make this one. Your credits are back; try another prompt or image.",
                            old.job_id))
    messenger = RecordingMessenger()
    reopened.register("test", messenger)
    await reopened.start()
    await reopened.wait_idle()

    told = dict(messenger.failures)
    assert told[mei.job_id] == "302.AI 无法生成这个内容。你的积分已退还；请换个提示词或图片试试。"
    assert told[old.job_id] == "302.AI could not make this one. Your credits are back; try another prompt or image."
    assert (await reopened.job(old.job_id)).state is JobState.FAILED
    row = await reopened._store.db.fetchone("SELECT failure FROM jobs WHERE id = ?", (old.job_id,))
    assert reason_label(row["failure"]) == "generation_failed"
