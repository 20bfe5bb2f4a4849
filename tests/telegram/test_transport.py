"""The aiohttp client under PTB (adapters.telegram.transport): failures reach the bot as PTB's
errors, told apart as `patiently` needs (never sent: try again; maybe taken: do not)."""

from __future__ import annotations

import io
import socket

import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from adapters.telegram.flood import _not_sent
from adapters.telegram.transport import AiohttpRequest, UpdatesRequest
from bot.proxies import proxy_for
from tests.telegram.conftest import TOKEN


async def bot_at(base: str, **timeouts) -> Bot:
    bot = Bot(TOKEN, base_url=base, request=AiohttpRequest(**timeouts), get_updates_request=AiohttpRequest())
    await bot.request.initialize()
    return bot


async def test_a_bot_api_that_refuses_connections_is_a_network_error_known_not_sent():
    held = socket.socket()
    held.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    try:
        bot = await bot_at(f"http://127.0.0.1:{held.getsockname()[1]}/bot")
        with pytest.raises(NetworkError) as failed:
            await bot.send_message(1001, "hello")
        await bot.request.shutdown()
    finally:
        held.close()
    assert _not_sent(failed.value)
    assert TOKEN not in str(failed.value)


async def test_an_answer_slower_than_the_read_timeout_is_a_timeout_that_may_have_been_taken(fake_api, ann,
                                                                                             ann_chat):
    await fake_api.send_text(ann, ann_chat, "hello")  # the chat exists
    fake_api.answer_slowly("sendMessage", 2.0)
    bot = await bot_at(fake_api.base_url, read_timeout=0.2)
    with pytest.raises(TimedOut) as failed:
        await bot.send_message(ann_chat["id"], "hello")
    await bot.request.shutdown()
    assert not _not_sent(failed.value)  # Telegram had it: sending again would post it twice


async def test_a_sent_message_comes_back_with_its_id_and_an_upload_arrives_whole(fake_api, ann, ann_chat):
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    bot = await bot_at(fake_api.base_url)
    sent = await bot.send_document(ann_chat["id"], b"\x00\x01bytes", filename="a.bin",
                                   reply_to_message_id=command["message_id"], caption="<b>done</b>",
                                   parse_mode="HTML")
    await bot.request.shutdown()
    stored = fake_api.message(ann_chat["id"], sent.message_id)
    assert fake_api.file_bytes(stored["document"]["file_id"]) == b"\x00\x01bytes"
    assert stored["caption"] == "done" and stored["reply_to_message"]["message_id"] == command["message_id"]


async def test_calls_go_through_the_http_proxy_the_environment_names(fake_api, monkeypatch):
    # the fake plays the proxy too: a proxied request carries the whole URL, which aiohttp
    # sends to the proxy's address; the fake answers it as the Bot API would
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{fake_api.port}")
    monkeypatch.setenv("NO_PROXY", "")
    proxy_for.cache_clear()  # read once per host: this test's environment, not an earlier one's
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url="http://api.telegram.invalid/bot", request=request)
    await request.initialize()
    me = await bot.get_me()
    await request.shutdown()
    proxy_for.cache_clear()
    assert me.username == fake_api.username


async def test_a_sent_photo_comes_back_with_its_largest_size_and_without_what_no_caller_reads(fake_api, ann,
                                                                                            ann_chat):
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    bot = await bot_at(fake_api.base_url)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Cancel", callback_data="c:1")]])
    sent = await bot.send_photo(ann_chat["id"], _png(), caption="<b>queued</b>", parse_mode="HTML",
                                reply_to_message_id=command["message_id"], reply_markup=markup)
    await bot.request.shutdown()
    stored = fake_api.message(ann_chat["id"], sent.message_id)
    assert len(stored["photo"]) > 1 and stored["reply_markup"] and stored["reply_to_message"]
    assert [p.file_id for p in sent.photo] == [stored["photo"][-1]["file_id"]]  # what the placeholder reuses
    assert sent.chat_id == ann_chat["id"] and sent.caption == "queued"
    assert sent.reply_markup is None and sent.reply_to_message is None and sent.from_user is None
    assert not sent.caption_entities


async def test_the_updates_client_keeps_the_updates_as_telegram_sent_them(fake_api, ann, ann_chat):
    command = await fake_api.send_text(ann, ann_chat, "/image a cat")
    updates_request = UpdatesRequest(connection_pool_size=1)
    bot = Bot(TOKEN, base_url=fake_api.base_url, request=AiohttpRequest(), get_updates_request=updates_request)
    await bot.initialize()
    updates = await bot.get_updates(timeout=0)
    raw = updates_request.take()
    await bot.shutdown()
    assert [u.update_id for u in updates] == [u["update_id"] for u in raw]
    assert raw[0]["message"]["message_id"] == command["message_id"] and raw[0]["message"]["from"]["id"] == ann["id"]
    assert updates_request.take() is None  # taken once: a later failed poll finds nothing stale


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


async def test_an_edit_is_made_and_answered_true_without_the_message_built_again(fake_api, ann, ann_chat):
    await fake_api.send_text(ann, ann_chat, "hello")  # the chat exists
    bot = await bot_at(fake_api.base_url)
    status = await bot.send_message(ann_chat["id"], "⏳ Queued")
    edited = await bot.edit_message_text("✅ Done", chat_id=ann_chat["id"], message_id=status.message_id)
    with pytest.raises(BadRequest):  # Telegram's refusals still reach the caller
        await bot.edit_message_text("✅ Done", chat_id=ann_chat["id"], message_id=status.message_id + 99)
    await bot.request.shutdown()
    assert edited is True
    assert fake_api.message(ann_chat["id"], status.message_id)["text"] == "✅ Done"
    fake_api.take_errors()  # the refused edit above was meant
