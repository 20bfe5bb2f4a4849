"""An update is stored before Telegram may forget it, and handled twice it still makes one job."""

from __future__ import annotations

from tests.conftest import wait_for


async def jobs_for(core, message: dict) -> int:
    rows = await core.inbox._db.fetchall("SELECT destination FROM jobs")  # the jobs table is the truth
    return sum(1 for r in rows if f'"reply_to": {message["message_id"]}' in r["destination"])


def statuses(fake_api, command: dict) -> list[dict]:
    return [m for m in fake_api.replies_to(command) if "text" in m]


async def test_an_update_telegram_sends_again_after_a_restart_makes_one_job_and_one_reply(
        start_bot, simulator, fake_api, ann, ann_chat, tmp_path):
    simulator.configure(video_seconds=30)  # still running when the update comes again
    db = tmp_path / "again.db"
    first = await start_bot(db_path=db)
    command = await fake_api.send_text(ann, ann_chat, "/video a paper boat")
    update_id = fake_api.pushed[-1]["update_id"]
    await fake_api.wait_until(lambda: statuses(fake_api, command))
    await wait_for(lambda: update_id not in first.adapter.intake._active, what="the update to be handled")
    await first.stop()

    # The bot died before its next getUpdates confirmed the update: Telegram sends it again.
    calls_before = len(fake_api.calls)
    await fake_api.redeliver(update_id)
    second = await start_bot(db_path=db)
    await fake_api.wait_until(lambda: not fake_api._updates)  # taken and confirmed

    after = fake_api.calls[calls_before:]
    assert any(c.method == "getUpdates" and any(u["update_id"] == update_id for u in c.result or []) for c in after)
    assert await second.core.inbox.is_handled("telegram", update_id)
    assert await jobs_for(second.core, command) == 1
    assert len(statuses(fake_api, command)) == 1


async def test_a_webhook_update_posted_twice_makes_one_job(start_webhook_bot, simulator, fake_api, ann, ann_chat):
    simulator.configure(video_seconds=30)
    bot, _ = await start_webhook_bot()
    command = await fake_api.send_text(ann, ann_chat, "/video a paper boat")
    update_id = fake_api.pushed[-1]["update_id"]
    await fake_api.wait_until(lambda: statuses(fake_api, command))

    await fake_api.redeliver(update_id)  # Telegram did not hear the 200 and tries again

    assert fake_api.webhook_answers == [200, 200]
    await wait_for(lambda: not bot.adapter.intake._active, what="handlers to finish")
    assert await jobs_for(bot.core, command) == 1
    assert len(statuses(fake_api, command)) == 1


async def test_a_webhook_call_is_answered_only_once_the_update_is_stored(start_webhook_bot, fake_api, ann, ann_chat):
    bot, _ = await start_webhook_bot()

    await fake_api.send_text(ann, ann_chat, "/help")  # returns once the bot answered the webhook call

    assert fake_api.webhook_answers == [200]
    stored = await bot.core.inbox._db.fetchone("SELECT payload FROM inbox WHERE update_id = ?",
                                               (fake_api.pushed[-1]["update_id"],))
    assert stored is not None and '"/help"' in stored["payload"]


async def test_a_webhook_call_without_the_secret_is_refused_and_stores_nothing(start_webhook_bot, fake_api, ann, ann_chat):
    bot, _ = await start_webhook_bot()
    fake_api.webhook["secret_token"] = "guessed"

    await fake_api.send_text(ann, ann_chat, "/help")

    assert fake_api.webhook_answers == [403]
    assert await bot.core.inbox.unhandled("telegram") == []
