"""A ready result outlasts a Telegram outage: it is offered again (with growing, jittered
waits) until the delivery deadline, not given up after a few tries, and posted once."""

from __future__ import annotations

from bot.domain.requests import Requester


async def test_a_long_telegram_outage_ends_with_the_result_delivered_once(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    # far more failures in a row than the 7 tries after which the bot used to refund
    fake_api.fail_next("sendPhoto", 502, "Bad Gateway", times=15)
    command = await fake_api.send_text(ann, ann_chat, "/image a patient fox")

    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"), timeout=50)

    await bot.core.wait_idle()
    assert photo and len(fake_api.sent("sendPhoto", ann_chat["id"])) == 1
    member = Requester("telegram", str(ann["id"]), chat_id=str(ann_chat["id"]))
    assert (await bot.core.quota(member)).used_today == 1  # charged once, not refunded
