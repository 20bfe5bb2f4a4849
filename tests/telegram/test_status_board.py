"""The StatusBoard against the fake Bot API with a real PTB Bot: few edits, newest text, no crash."""

from __future__ import annotations

import time

import pytest
from telegram import Bot

from adapters.telegram.status import StatusBoard
from tests.media import image_bytes
from tests.telegram.conftest import TOKEN


@pytest.fixture
async def bot(fake_api):
    async with Bot(TOKEN, base_url=fake_api.base_url, base_file_url=fake_api.base_file_url) as bot:
        yield bot


@pytest.fixture
async def status(fake_api, bot, ann, ann_chat):
    await fake_api.send_text(ann, ann_chat, "/video a cat")
    sent = await bot.send_message(ann_chat["id"], "⏳ Queued")
    return fake_api.message(ann_chat["id"], sent.message_id)


def edits(fake_api):
    return [c for c in fake_api.calls if c.method == "editMessageText"]


async def test_a_text_already_shown_is_not_sent_again(fake_api, bot, status):
    board = StatusBoard(bot, interval=0.05, clock=time.monotonic)

    assert await board.show(status["chat"]["id"], status["message_id"], "Generating…", wait=True)
    assert await board.show(status["chat"]["id"], status["message_id"], "Generating…", wait=True)

    assert len(edits(fake_api)) == 1
    await board.close()


async def test_a_burst_of_progress_shows_only_the_newest_text(fake_api, bot, status):
    board = StatusBoard(bot, interval=0.3, clock=time.monotonic)
    chat_id, message_id = status["chat"]["id"], status["message_id"]

    await board.show(chat_id, message_id, "Generating… 0s", wait=True)
    for second in range(1, 10):  # all within the interval after that edit
        await board.show(chat_id, message_id, f"Generating… {second}s")
    assert await board.show(chat_id, message_id, "Generating… 10s", wait=True)

    assert [c.params["text"] for c in edits(fake_api)] == ["Generating… 0s", "Generating… 10s"]
    await board.close()


async def test_a_deleted_status_message_is_given_up_without_raising(fake_api, bot, status):
    board = StatusBoard(bot, interval=0.05, clock=time.monotonic)
    fake_api.delete(status)

    assert not await board.show(status["chat"]["id"], status["message_id"], "Generating…", wait=True)
    assert not await board.show(status["chat"]["id"], status["message_id"], "Fetching…", wait=True)

    assert len(edits(fake_api)) == 1  # the second show did not try again
    assert fake_api.take_errors() == [("editMessageText", "Bad Request: message to edit not found")]
    await board.close()


async def test_an_edit_in_a_group_upgraded_to_a_supergroup_is_given_up_without_raising(fake_api, bot, ann):
    group = fake_api.group_chat(-4001, kind="group")
    await fake_api.send_text(ann, group, "/video a cat")
    sent = await bot.send_message(group["id"], "⏳ Queued")
    fake_api.migrate(group, by=ann)
    board = StatusBoard(bot, interval=0.05, clock=time.monotonic)

    assert not await board.show(group["id"], sent.message_id, "❌ It failed.", final=True, wait=True)

    await board.close()


async def test_the_final_text_is_shown_after_several_failed_edits_in_a_row(fake_api, bot, status):
    board = StatusBoard(bot, interval=0.01, clock=time.monotonic)
    chat_id, message_id = status["chat"]["id"], status["message_id"]
    fake_api.fail_next("editMessageText", 500, "Internal Server Error", times=5)

    await board.show(chat_id, message_id, "Generating…")  # progress: given up after 3 failures
    assert await board.show(chat_id, message_id, "✅ Done", final=True, wait=True)

    assert fake_api.message(chat_id, message_id)["text"] == "✅ Done"
    assert [c.error.code if c.error else 200 for c in edits(fake_api)][-1] == 200
    await board.close()


async def test_a_newer_final_text_replaces_one_still_waiting_to_be_shown(fake_api, bot, status):
    board = StatusBoard(bot, interval=0.01, clock=time.monotonic)
    chat_id, message_id = status["chat"]["id"], status["message_id"]
    fake_api.fail_next("editMessageText", 500, "Internal Server Error", times=4)

    await board.show(chat_id, message_id, "⏳ Generating…", final=True)
    assert await board.show(chat_id, message_id, "❌ It failed.", final=True, wait=True)

    assert fake_api.versions(status)[-1] == "❌ It failed."
    assert "⏳ Generating…" not in fake_api.versions(status)
    await board.close()


async def test_a_photo_status_given_its_final_caption_is_forgotten(fake_api, bot, ann, ann_chat):
    # a job that failed or was cancelled never becomes a result: its status must not stay
    # remembered as a photo for the life of the process
    await fake_api.send_text(ann, ann_chat, "/video a cat")
    photo = await bot.send_photo(ann_chat["id"], image_bytes(64, 64), caption="⏳ Queued")
    board = StatusBoard(bot, interval=0.01, clock=time.monotonic)

    assert await board.show(ann_chat["id"], photo.message_id, "Generating…", caption=True, wait=True)
    assert await board.show(ann_chat["id"], photo.message_id, "❌ Failed", caption=True, final=True, wait=True)

    assert [c.method for c in fake_api.calls if c.method.startswith("edit")] == ["editMessageCaption"] * 2
    assert not board._captions  # noqa: SLF001 — the memory under test
    await board.close()
