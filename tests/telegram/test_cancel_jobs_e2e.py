"""Cancel under a waiting job's status message, its place in line and ETA, and /jobs with fetching
a result again: through python-telegram-bot against the fake Bot API and the simulator."""

from __future__ import annotations

import copy

from bot.domain.requests import Requester


def button_data(message) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def hold_every_slot(bot):
    """Every 302.AI request slot busy (AI302_MAX_CONCURRENT=1, held here): new jobs wait in line."""
    return bot.core._runner._ctx.slots


async def ledger_rows(bot) -> int:
    return (await bot.core._store.db.fetchone("SELECT count(*) AS n FROM ledger"))["n"]


async def test_cancel_while_waiting_refunds_edits_the_status_once_and_moves_the_line(
        start_bot, fake_api, simulator, ann, ann_chat):
    bot = await start_bot(max_concurrent_requests=1)
    slots = hold_every_slot(bot)
    await slots.acquire()
    first = await fake_api.send_text(ann, ann_chat, "/image a red fox")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(first, "text"))
    second = await fake_api.send_text(ann, ann_chat, "/image a blue fox")
    waiting = await fake_api.wait_until(lambda: fake_api.reply_with(second, "text"))
    await fake_api.wait_until(lambda: "number 2 in line" in waiting["text"])
    assert [d.split(":")[0] for d in button_data(waiting)] == ["cancel"]  # kept while it waits

    query = await fake_api.press(ann, status, button_data(status)[0])

    await fake_api.wait_until(lambda: status["text"].startswith("✖ Cancelled"))
    assert "reply_markup" not in status and query not in fake_api.open_callbacks
    await fake_api.wait_until(lambda: "number 1 in line" in waiting["text"])
    slots.release()
    await fake_api.wait_until(lambda: fake_api.reply_with(second, "photo"))
    await bot.core.wait_idle()
    assert [b["prompt"] for b in simulator.billed] == ["a blue fox"]
    assert fake_api.replies_to(first) == [status]  # one message about the cancelled job, no notice after
    assert (await bot.core.quota(Requester("telegram", str(ann["id"])))).used_today == 1


async def test_after_submission_the_button_is_gone_and_a_stale_press_says_it_was_billed(
        start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video a cat surfing")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    stale = copy.deepcopy(status)  # what a slow phone still shows
    await fake_api.wait_until(lambda: "reply_markup" not in status)

    query = await fake_api.press(ann, stale, button_data(stale)[0])

    await fake_api.wait_until(lambda: query not in fake_api.open_callbacks)
    [answer] = [c for c in fake_api.sent("answerCallbackQuery") if c.params["callback_query_id"] == query]
    assert "already started this job, and billed it" in answer.params["text"]
    assert answer.params["show_alert"] in (True, "true")
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))


async def test_only_the_member_who_asked_may_cancel(start_bot, fake_api, ann):
    bot = await start_bot(max_concurrent_requests=1)
    await hold_every_slot(bot).acquire()
    group = fake_api.group_chat()
    bob = fake_api.user(1002, "Bob")
    command = await fake_api.send_text(ann, group, "/image a red fox")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    query = await fake_api.press(bob, status, button_data(status)[0])

    await fake_api.wait_until(lambda: query not in fake_api.open_callbacks)
    [answer] = [c for c in fake_api.sent("answerCallbackQuery") if c.params["callback_query_id"] == query]
    assert "only your own" in answer.params["text"]
    job_id = button_data(status)[0].split(":")[1]
    assert (await bot.core.job(job_id)).state == "queued"
    hold_every_slot(bot).release()


async def test_status_message_shows_the_estimate(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video a cat surfing")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))
    assert any("Ready in under a minute." in text for text in fake_api.versions(status))


async def test_jobs_lists_them_and_fetches_a_result_again_for_free(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    image = await fake_api.send_text(ann, ann_chat, "/image a red fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(image, "photo"))
    video = await fake_api.send_text(ann, ann_chat, "/video a cat surfing")
    await fake_api.wait_until(lambda: fake_api.reply_with(video, "video"))
    await bot.core.wait_idle()
    rows = await ledger_rows(bot)

    ask = await fake_api.send_text(ann, ann_chat, "/jobs")
    listing = await fake_api.wait_until(lambda: fake_api.reply_with(ask, "text"))

    lines = listing["text"].splitlines()
    assert lines[0] == "Your last 2 jobs, newest first:"
    assert lines[1].startswith("1. video · T2V-01 · delivered · 5 credits · ")
    assert lines[2].startswith("2. image · minimaxi-image-01 · delivered · 1 credit · ")
    assert [d.split(":")[0] for d in button_data(listing)] == ["fetch", "fetch"]

    await fake_api.press(ann, listing, button_data(listing)[0])
    again = await fake_api.wait_until(lambda: fake_api.reply_with(listing, "video"))

    assert "video" in again
    assert await ledger_rows(bot) == rows
    assert len(await bot.core.jobs(Requester("telegram", str(ann["id"])))) == 2


async def test_an_expired_result_is_refused_clearly(start_bot, fake_api, simulator, ann, ann_chat):
    await start_bot()
    video = await fake_api.send_text(ann, ann_chat, "/video a cat surfing")
    await fake_api.wait_until(lambda: fake_api.reply_with(video, "video"))
    ask = await fake_api.send_text(ann, ann_chat, "/jobs")
    listing = await fake_api.wait_until(lambda: fake_api.reply_with(ask, "text"))
    simulator.expire_files()

    await fake_api.press(ann, listing, button_data(listing)[0])

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(listing, "text"))
    assert refusal["text"].startswith("⚠️") and "expired" in refusal["text"]


async def test_someone_elses_result_cannot_be_fetched(start_bot, fake_api, ann):
    await start_bot()
    group = fake_api.group_chat()
    bob = fake_api.user(1002, "Bob")
    image = await fake_api.send_text(ann, group, "/image a red fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(image, "photo"))
    ask = await fake_api.send_text(ann, group, "/jobs")
    listing = await fake_api.wait_until(lambda: fake_api.reply_with(ask, "text"))

    await fake_api.press(bob, listing, button_data(listing)[0])

    refusal = await fake_api.wait_until(lambda: fake_api.reply_with(listing, "text"))
    assert refusal["text"] == "⚠️ Bob: You can fetch only your own results."
    assert fake_api.reply_with(listing, "photo") is None


async def test_a_chinese_member_reads_jobs_and_cancel_in_chinese(start_bot, fake_api):
    bot = await start_bot(max_concurrent_requests=1)
    mei = {**fake_api.user(1003, "Mei"), "language_code": "zh-hans"}
    chat = fake_api.private_chat(mei)
    await hold_every_slot(bot).acquire()
    command = await fake_api.send_text(mei, chat, "/image 一只红狐狸")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))

    query = await fake_api.press(mei, status, button_data(status)[0])

    await fake_api.wait_until(lambda: query not in fake_api.open_callbacks)
    [answer] = [c for c in fake_api.sent("answerCallbackQuery") if c.params["callback_query_id"] == query]
    assert answer.params["text"] == "已取消；你的积分已退还。"
    await fake_api.wait_until(lambda: status["text"] == "✖ 已取消。没有发送给 302.AI，1 积分已退还。")
    ask = await fake_api.send_text(mei, chat, "/jobs")
    listing = await fake_api.wait_until(lambda: fake_api.reply_with(ask, "text"))
    assert listing["text"].splitlines()[0] == "你最近的 1 个任务（最新在前）："
    hold_every_slot(bot).release()
