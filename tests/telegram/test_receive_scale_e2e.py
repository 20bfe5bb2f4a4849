"""Telegram past one process: webhook receivers behind a load balancer, and a deliver-only
worker (TELEGRAM_RECEIVE=off) that sends through the Bot API and never receives."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import wait_for

RECEIVING = {"getUpdates", "setWebhook", "deleteWebhook", "setMyCommands"}


@pytest.fixture
async def two_receivers(start_bot, tg_config, fake_api, tmp_path):
    """Two webhook processes on one URL, as behind a load balancer, each with its own database
    (two processes cannot share one SQLite file)."""
    config = replace(tg_config, webhook_url="https://bot.example.org/telegram-hook", webhook_listen="127.0.0.1:0")
    return [await start_bot(config=config, db_path=tmp_path / f"receiver{i}.db") for i in (1, 2)]


async def test_webhook_receivers_behind_a_load_balancer_agree_on_the_secret_and_each_takes_updates(
        two_receivers, tg_config, fake_api, ann, ann_chat):
    assert [c.params["secret_token"] for c in fake_api.sent("setWebhook")] == [tg_config.secret_token] * 2

    for bot in two_receivers:  # the balancer sends this call to this receiver
        fake_api.webhook_port = bot.adapter.receiver.port
        command = await fake_api.send_text(ann, ann_chat, "/help")
        await fake_api.wait_until(lambda command=command: fake_api.reply_with(command, "text"))
        update_id = fake_api.pushed[-1]["update_id"]
        await wait_for(lambda bot=bot, u=update_id: u not in bot.adapter.intake._active, what="the update handled")
        assert await bot.core.inbox.is_handled("telegram", update_id)

    assert fake_api.webhook_answers == [200, 200]


@pytest.mark.parametrize("secret", [None, "guessed"], ids=["missing", "wrong"])
async def test_each_receiver_refuses_a_call_without_the_right_secret_and_stores_nothing(
        two_receivers, fake_api, ann, ann_chat, secret):
    fake_api.webhook["secret_token"] = secret  # None: the call comes without the header

    for bot in two_receivers:
        fake_api.webhook_port = bot.adapter.receiver.port
        await fake_api.send_text(ann, ann_chat, "/video a fake update")

    assert fake_api.webhook_answers == [403, 403]
    for bot in two_receivers:
        assert await bot.core.inbox.unhandled("telegram") == []
        assert await bot.core.inbox._db.fetchone("SELECT 1 FROM inbox") is None
    assert fake_api.sent("sendMessage") == []


async def test_a_worker_with_receive_off_delivers_a_job_a_front_process_took_and_never_receives(
        start_bot, tg_config, fake_api, simulator, ann, ann_chat, tmp_path):
    front = await start_bot(db_path=tmp_path / "shared.db", runs_jobs=False)
    command = await fake_api.send_text(ann, ann_chat, "/image a red fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))  # "Queued"
    await front.stop()
    assert simulator.billed == []  # the front stored the job for a worker
    # another process receives by webhook meanwhile: the worker must leave it alone
    fake_api.webhook = {"url": "https://bot.example.org/telegram-hook", "secret_token": "theirs"}
    calls_before = len(fake_api.calls)

    worker = await start_bot(config=replace(tg_config, receive="off"), db_path=tmp_path / "shared.db")
    photo = await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))
    await worker.core.wait_idle()

    methods = {c.method for c in fake_api.calls[calls_before:]}
    assert photo and len(simulator.billed) == 1
    assert not methods & RECEIVING, methods
    assert fake_api.webhook == {"url": "https://bot.example.org/telegram-hook", "secret_token": "theirs"}
    assert worker.adapter.connected and worker.adapter.receiver is None


async def test_a_worker_reports_telegram_down_when_the_bot_api_stops_answering(start_bot, tg_config, fake_api):
    worker = await start_bot(config=replace(tg_config, receive="off", rest_check_interval=0.05))
    assert worker.adapter.connected

    fake_api.fail_next("getMe", 401, "Unauthorized", times=1000)
    await wait_for(lambda: not worker.adapter.connected, what="the getMe check to fail")
