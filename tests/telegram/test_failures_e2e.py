"""When a job cannot end in a result: the status message says why and the credits are back.
When the result is too big to upload: Telegram fetches it from its URL, or the member gets a link."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.requests import Requester

ANN = Requester("telegram", "1001", chat_id="1001")


def failure_shown(fake_api, command) -> str | None:
    """The status message's text once it reports a failure."""
    replies = fake_api.replies_to(command)
    text = replies[0].get("text", "") if replies else ""
    return text if text.startswith("❌") else None


async def test_a_failed_generation_edits_the_status_with_the_reason_and_refunds(
        start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video [sim:fail] a cat")

    text = await fake_api.wait_until(lambda: failure_shown(fake_api, command))

    assert "302.AI could not make this one. Your credits are back" in text
    await bot.core.wait_idle()
    assert (await bot.core.quota(ANN)).credits_left == 50
    assert fake_api.reply_with(command, "video") is None


async def test_a_flagged_prompt_edits_the_status_with_the_reason_and_refunds(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video [sim:flag] something dubious")

    text = await fake_api.wait_until(lambda: failure_shown(fake_api, command))

    assert "flagged this as sensitive content" in text and "credits are back" in text
    await bot.core.wait_idle()
    assert (await bot.core.quota(ANN)).credits_left == 50


async def test_a_video_over_the_upload_limit_is_sent_by_url(start_bot, tg_config, fake_api, ann, ann_chat):
    await start_bot(config=replace(tg_config, upload_limit=1000))
    command = await fake_api.send_text(ann, ann_chat, "/video a slow river")

    video = await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))

    call = fake_api.sent("sendVideo")[0]
    assert call.files == {} and call.params["video"].startswith("http://127.0.0.1")
    assert video["caption"].startswith("a slow river")


async def test_a_video_too_big_for_telegram_goes_out_as_a_link_with_a_note(
        start_bot, tg_config, fake_api, ann, ann_chat):
    fake_api.url_fetch_limit = 1000  # Telegram will not fetch it either
    bot = await start_bot(config=replace(tg_config, upload_limit=1000))
    command = await fake_api.send_text(ann, ann_chat, "/video a slow river")

    note = await fake_api.wait_until(lambda: next(
        (m for m in fake_api.replies_to(command) if "too big" in m.get("text", "")), None))

    assert note["text"].startswith("a slow river")
    link = next(e for e in note["entities"] if e["type"] == "text_link")
    assert link["url"].startswith("http://127.0.0.1") and link["url"].endswith(".mp4")
    assert fake_api.take_errors() == [("sendVideo", "Bad Request: failed to get HTTP URL content")]
    await bot.core.wait_idle()


async def test_a_failure_is_posted_as_a_new_reply_when_the_status_message_was_deleted(
        start_bot, simulator, fake_api, ann, ann_chat):
    simulator.configure(video_seconds=1.0)
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video [sim:fail] a cat")
    status = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    fake_api.delete(status)

    notice = await fake_api.wait_until(lambda: next(
        (m for m in fake_api.replies_to(command) if m.get("text", "").startswith("❌")), None))

    assert "Your credits are back" in notice["text"]
    await bot.core.wait_idle()
    assert {e[1] for e in fake_api.take_errors()} == {"Bad Request: message to edit not found"}


async def test_a_retry_after_on_the_upload_is_waited_out(start_bot, fake_api, ann, ann_chat):
    fake_api.fail_next("sendPhoto", retry_after=0.3)
    bot = await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await bot.core.wait_idle()

    assert [c.error.code if c.error else 200 for c in fake_api.calls if c.method == "sendPhoto"] == [429, 200]
