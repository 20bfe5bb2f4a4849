"""Start, stop, restart and webhook mode, the way `reelbot run` drives the adapter."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest

from adapters.telegram import TelegramStartError
from tests.conftest import wait_for
from tests.telegram.conftest import TOKEN


def video_submissions(simulator):
    return [r for r in simulator.requests if r["method"] == "POST" and r["path"].endswith("/video_generation")]


async def test_a_video_still_arrives_once_when_the_bot_restarts_mid_job(
        start_bot, simulator, fake_api, ann, ann_chat, tmp_path):
    simulator.configure(video_seconds=1.0)
    db = tmp_path / "restart.db"
    first = await start_bot(db_path=db)
    command = await fake_api.send_text(ann, ann_chat, "/video a paper boat on a pond")
    await wait_for(lambda: video_submissions(simulator), what="the job to reach 302.AI")
    # ...and its task id to be recorded: a stop in between is the paid-call window the core's
    # `submitting` state deals with, not what this test is about.
    while not await first.core.inbox._db.fetchone("SELECT 1 FROM jobs WHERE task_id IS NOT NULL"):
        await asyncio.sleep(0.01)

    await first.stop()
    second = await start_bot(db_path=db)
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "video"))
    await second.core.wait_idle()

    replies = fake_api.replies_to(command)
    assert [m for m in replies if "video" in m] == [fake_api.reply_with(command, "video")]
    assert len([m for m in replies if "text" in m]) == 1  # one status message: the command ran once
    assert len(video_submissions(simulator)) == 1


async def test_start_waits_out_flood_control_on_the_command_menu(start_bot, fake_api):
    fake_api.fail_next("setMyCommands", retry_after=0.2)

    await start_bot()

    # the general menu once (after the wait), then one per language; the same for groups' admins
    menus = [((c.params.get("scope") or {}).get("type"), c.params.get("language_code"))
             for c in fake_api.sent("setMyCommands")]
    assert menus == [(None, None), (None, "en"), (None, "zh"), ("all_chat_administrators", None),
                     ("all_chat_administrators", "en"), ("all_chat_administrators", "zh")]


async def test_webhook_mode_takes_updates_posted_by_telegram(start_webhook_bot, fake_api, ann, ann_chat):
    bot, config = await start_webhook_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")

    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    assert fake_api.webhook["url"] == config.webhook_url
    assert len(fake_api.webhook["secret_token"]) >= 32
    assert fake_api.sent("getUpdates") == []


async def test_the_token_never_reaches_the_logs(start_bot, fake_api, ann, ann_chat, caplog):
    caplog.set_level(logging.DEBUG)
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    await fake_api.wait_until(lambda: fake_api.reply_with(command, "photo"))

    assert "/bot***/sendPhoto" in caplog.text
    assert TOKEN not in caplog.text


async def test_a_refused_token_stops_start_with_a_message_that_hides_it(start_bot, tg_config, fake_api):
    wrong = "7000001:AAHwrongTOKEN-also-never-in-logs"

    with pytest.raises(TelegramStartError) as refused:
        await start_bot(config=replace(tg_config, token=wrong))

    assert "TELEGRAM_TOKEN" in str(refused.value) and wrong not in str(refused.value)
