"""Cancel on a waiting job's status message, its place in line and ETA, and /jobs with fetching a
result again: through discord.py against the fake Discord and the simulator."""

from __future__ import annotations

import copy

from tests.discord.discord_helpers import embeds_sent, fields, member
from tests.media import is_mp4


def cancel_id(message) -> str:
    [custom_id] = [c for c in message.custom_ids() if c.startswith("reelbot:cancel:")]
    return custom_id


def slots(bot):
    return bot.core._runner._ctx.slots  # AI302_MAX_CONCURRENT=1, held by the test: new jobs wait in line


async def ledger_rows(bot) -> int:
    return (await bot.core._store.db.fetchone("SELECT count(*) AS n FROM ledger"))["n"]


async def test_cancel_while_waiting_refunds_and_the_line_moves_up(start_bot, fake_discord, simulator):
    bot = await start_bot(core_settings={"max_concurrent_requests": 1})
    await slots(bot).acquire()
    first = await fake_discord.invoke("image", prompt="a red fox")
    status = await fake_discord.status_of(first, "Making your image")
    second = await fake_discord.invoke("image", prompt="a blue fox")
    waiting = await fake_discord.status_of(second, "number 2 in line")

    click = await fake_discord.click(status, cancel_id(status))

    await fake_discord.status_of(first, "Cancelled")
    assert "your credit is back" in status.text and status.components == []
    assert click.followups == [] and first.followups == []  # the edit is the one notice
    await fake_discord.status_of(second, "number 1 in line")
    slots(bot).release()
    await fake_discord.result_of(second)
    await bot.core.wait_idle()
    assert [b["prompt"] for b in simulator.billed] == ["a blue fox"]
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 1
    assert first.followups == []
    assert waiting.components == []  # delivered: its Cancel button is gone


async def test_a_stale_cancel_after_submission_says_302ai_started_and_billed_it(start_bot, fake_discord):
    await start_bot()
    command = await fake_discord.invoke("video", prompt="a cat surfing")
    status = await fake_discord.status_of(command, "Making your video")
    stale = copy.deepcopy(status)  # what a slow client still shows
    await fake_discord.wait_for(lambda: status.components == [], what="the Cancel button to go")

    click = await fake_discord.click(stale, cancel_id(stale))

    await fake_discord.wait_for(lambda: click.followups, what="the refusal")
    [note] = click.followups
    assert note.ephemeral and "already started this job, and billed it" in note.text
    assert is_mp4((await fake_discord.result_of(command)).files[0].data)


async def test_someone_else_cannot_cancel(start_bot, fake_discord):
    bot = await start_bot(core_settings={"max_concurrent_requests": 1})
    await slots(bot).acquire()
    command = await fake_discord.invoke("image", prompt="a red fox", user="alice")
    status = await fake_discord.status_of(command, "Making your image")

    click = await fake_discord.click(status, cancel_id(status), user="bob")

    await fake_discord.wait_for(lambda: click.followups, what="the refusal")
    assert "only your own" in click.followups[0].text
    job_id = cancel_id(status).rsplit(":", 1)[1]
    assert (await bot.core.job(job_id)).state == "queued"
    slots(bot).release()


async def test_the_status_shows_the_estimate(start_bot, fake_discord):
    await start_bot()
    command = await fake_discord.invoke("video", prompt="a cat surfing")
    await fake_discord.result_of(command)
    estimates = [fields(e).get("Estimate") for e in embeds_sent(command.original)]
    assert "Ready in under a minute." in estimates


async def test_jobs_lists_them_and_fetches_a_video_again_for_free(start_bot, fake_discord):
    bot = await start_bot()
    await fake_discord.result_of(await fake_discord.invoke("image", prompt="a red fox"))
    await fake_discord.result_of(await fake_discord.invoke("video", prompt="a cat surfing"))
    await bot.core.wait_idle()
    rows = await ledger_rows(bot)

    listing = await fake_discord.status_of(await fake_discord.invoke("jobs"), "Your last 2 jobs")

    assert listing.ephemeral
    assert "1. video · T2V-01 · delivered · 5 credits" in listing.text
    assert "2. image · minimaxi-image-01 · delivered · 1 credit" in listing.text
    assert [c.split(":")[1] for c in listing.custom_ids()] == ["fetch", "fetch"]
    fetch = await fake_discord.click(listing, listing.custom_ids()[0])
    await fake_discord.wait_for(lambda: fetch.original and fetch.original.files, what="the video again")

    assert fetch.original.ephemeral and is_mp4(fetch.original.files[0].data)
    assert await ledger_rows(bot) == rows
    assert len(await bot.core.jobs(member(fake_discord, "alice"))) == 2


async def test_an_expired_result_is_refused_clearly(start_bot, fake_discord, simulator):
    await start_bot()
    await fake_discord.result_of(await fake_discord.invoke("video", prompt="a cat surfing"))
    listing = await fake_discord.status_of(await fake_discord.invoke("jobs"), "Your last job:")
    simulator.expire_files()

    fetch = await fake_discord.click(listing, listing.custom_ids()[0])

    refusal = await fake_discord.status_of(fetch, "expired")
    assert refusal.ephemeral and refusal.files == []


async def test_someone_elses_result_cannot_be_fetched(start_bot, fake_discord):
    await start_bot()
    await fake_discord.result_of(await fake_discord.invoke("image", prompt="a red fox", user="alice"))
    listing = await fake_discord.status_of(await fake_discord.invoke("jobs", user="alice"), "Your last job:")

    fetch = await fake_discord.click(listing, listing.custom_ids()[0], user="bob")

    refusal = await fake_discord.status_of(fetch, "only your own")
    assert refusal.files == []


async def test_a_member_with_a_chinese_client_reads_jobs_and_cancel_in_chinese(start_bot, fake_discord):
    bot = await start_bot(core_settings={"max_concurrent_requests": 1})
    fake_discord.locales["alice"] = "zh-CN"
    await slots(bot).acquire()
    command = await fake_discord.invoke("image", prompt="一只红狐狸")
    status = await fake_discord.status_of(command, "正在生成你的图片")

    await fake_discord.click(status, cancel_id(status))
    await fake_discord.status_of(command, "已取消。没有发送给 302.AI，1 积分已退还。")
    listing = await fake_discord.status_of(await fake_discord.invoke("jobs"), "你最近的 1 个任务（最新在前）：")
    assert listing.ephemeral
    slots(bot).release()
