"""The calls every image makes, without PTB's objects (adapters.telegram.lean), and the bodies
the transport builds for them (JSON for a call without a file, multipart built by hand for
one with files): what reaches the Bot API is what PTB's own calls sent, through the same rate
limiter, and Telegram's refusals come back as PTB's errors."""

from __future__ import annotations

import io
import json
import urllib.parse

import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ExtBot

from adapters.telegram import lean
from adapters.telegram.destination import Where
from adapters.telegram.flood import AS_RESULT, FIRST, FloodGate
from adapters.telegram.in_place import Placeholder, edit_into_result
from adapters.telegram.transport import AiohttpRequest
from bot.ports import Result
from tests.telegram.conftest import TOKEN


def _png(color=(10, 20, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "PNG")
    return out.getvalue()


class Recording(FloodGate):
    """The bot's FloodGate, noting what each call told it."""

    def __init__(self):
        super().__init__(per_second=1000, group_rate=(1000, 60))
        self.seen: list[tuple[str, object, dict | None]] = []

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        self.seen.append((endpoint, data.get("chat_id"), rate_limit_args))
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


async def ext_bot(base: str, gate: FloodGate | None = None) -> ExtBot:
    bot = ExtBot(TOKEN, base_url=base, request=AiohttpRequest(), get_updates_request=AiohttpRequest(),
                 rate_limiter=gate)
    await bot.initialize()
    return bot


async def test_the_placeholder_is_uploaded_once_then_sent_by_its_file_id_through_the_rate_limiter(fake_api, ann,
                                                                                                ann_chat):
    command = await fake_api.send_text(ann, ann_chat, "/image a fox")
    gate = Recording()
    bot = await ext_bot(fake_api.base_url, gate)
    where = Where(ann_chat["id"], command["message_id"])
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✖ Cancel", callback_data="cancel:j1")]])
    placeholder = Placeholder()
    first = await placeholder.send(bot, where, "⏳ <b>Queued</b>", markup=markup, rate_limit_args=FIRST)
    second = await placeholder.send(bot, where, "⏳ Queued &lt;2&gt;", markup=markup, rate_limit_args=FIRST)
    await bot.shutdown()

    sends = fake_api.sent("sendPhoto", ann_chat["id"])
    assert "photo" in sends[0].files and not sends[1].files  # uploaded, then reused
    assert sends[1].params["photo"] == first["photo"][-1]["file_id"]
    for answer, text in ((first, "⏳ Queued"), (second, "⏳ Queued <2>")):
        stored = fake_api.message(ann_chat["id"], answer["message_id"])
        assert stored["caption"] == text  # the HTML was read as HTML
        assert stored["reply_to_message"]["message_id"] == command["message_id"]
        assert stored["reply_markup"] == {"inline_keyboard": [[{"text": "✖ Cancel", "callback_data": "cancel:j1"}]]}
    assert [seen for seen in gate.seen if seen[0] != "getMe"] == [("sendPhoto", ann_chat["id"], FIRST)] * 2


async def test_a_result_edited_into_the_placeholder_arrives_whole_with_its_caption_buttons_and_spoiler(
        fake_api, ann, ann_chat):
    command = await fake_api.send_text(ann, ann_chat, "/image a fox")
    gate = Recording()
    bot = await ext_bot(fake_api.base_url, gate)
    where = Where(ann_chat["id"], command["message_id"])
    sent = await Placeholder().send(bot, where, "⏳ Queued")
    picture = _png((200, 100, 50))
    result = Result(kind="image", filename='reelbot-"j1".png', mime="image/png", data=picture, url="https://x/a.png")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("🔁 Again", callback_data="again:j1"),
                                    InlineKeyboardButton("🔗", url="https://example.org/j1")]])
    placed = await edit_into_result(bot, result, Where(ann_chat["id"], command["message_id"], None,
                                                       sent["message_id"], True),
                                    caption="<i>a fox</i>", markup=markup, spoiler=True, read_timeout=5)
    await bot.shutdown()

    assert placed.message_id == sent["message_id"]
    stored = fake_api.message(ann_chat["id"], sent["message_id"])
    assert fake_api.file_bytes(stored["photo"][-1]["file_id"]) == picture
    assert stored["caption"] == "a fox" and stored.get("has_media_spoiler") is True
    assert stored["reply_markup"]["inline_keyboard"][0][1] == {"text": "🔗", "url": "https://example.org/j1"}
    assert gate.seen[-1] == ("editMessageMedia", ann_chat["id"], AS_RESULT)


async def test_refusals_come_back_as_ptb_errors_and_flood_control_holds_the_chat(fake_api, ann, ann_chat,
                                                                                  monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as the adapter sets it (adapters/telegram/adapter.py)
    command = await fake_api.send_text(ann, ann_chat, "/image a fox")
    gate = FloodGate(per_second=1000, group_rate=(1000, 60))
    bot = await ext_bot(fake_api.base_url, gate)
    where = Where(ann_chat["id"], command["message_id"])
    gone = Where(ann_chat["id"], command["message_id"], None, command["message_id"] + 50, True)
    result = Result(kind="image", filename="r.png", mime="image/png", data=_png(), url="https://x/r.png")
    placed = await edit_into_result(bot, result, gone, caption="", markup=None, spoiler=False, read_timeout=5)
    fake_api.fail_next("sendPhoto", retry_after=7)
    with pytest.raises(RetryAfter):
        await lean.call(bot, "sendPhoto", {**where.reply_json(), "photo": "unknown"})
    assert ("chat", ann_chat["id"]) in gate._not_before  # nothing more goes to that chat for 7 s
    with pytest.raises(BadRequest):
        await lean.call(bot, "sendPhoto", {"chat_id": 424242, "photo": "no such file"})
    await bot.shutdown()
    assert {method for method, _ in fake_api.take_errors()} == {"editMessageMedia", "sendPhoto"}  # meant
    assert placed.message_id is None and placed.status_gone  # a new message is posted instead


# the body built here escapes a quote, a line break, `%` and a backslash in a name, which
# Telegram's server URL-decodes (aiohttp's FormData refuses control characters); over a
# megabyte it goes as a stream, and over 10 MB through FormData
@pytest.mark.parametrize("size,filename", [(2_000, 'odd "name" 100%\\ \r\n.bin'), (2 * 1024 * 1024, "two.bin"),
                                           (11 * 1024 * 1024, "large.bin")],
                         ids=["built-body", "built-body-streamed", "formdata"])
async def test_uploads_small_and_large_arrive_whole_with_their_parameters(fake_api, ann, ann_chat, size, filename):
    await fake_api.send_text(ann, ann_chat, "hello")  # the chat exists
    bot = Bot(TOKEN, base_url=fake_api.base_url, request=AiohttpRequest(), get_updates_request=AiohttpRequest())
    await bot.initialize()
    data = bytes(range(256)) * (size // 256)
    sent = await bot.send_document(ann_chat["id"], data, filename=filename, caption="<b>café</b> ✓",
                                   parse_mode="HTML", disable_notification=True)
    await bot.shutdown()
    stored = fake_api.message(ann_chat["id"], sent.message_id)
    assert fake_api.file_bytes(stored["document"]["file_id"]) == data
    assert stored["caption"] == "café ✓"
    call = fake_api.sent("sendDocument", ann_chat["id"])[-1]
    assert call.content_type == "multipart/form-data"
    assert str(call.params["disable_notification"]).lower() == "true"
    assert urllib.parse.unquote(call.filenames["document"]) == filename  # as Telegram's server reads it


async def test_a_call_without_a_file_goes_as_json_with_its_values_typed(fake_api, ann, ann_chat):
    command = await fake_api.send_text(ann, ann_chat, "/quota")
    bot = Bot(TOKEN, base_url=fake_api.base_url, request=AiohttpRequest(), get_updates_request=AiohttpRequest())
    await bot.initialize()
    sent = await bot.send_message(ann_chat["id"], "<b>1</b> &amp; 2", parse_mode="HTML",
                                  reply_to_message_id=command["message_id"])
    await bot.shutdown()
    call = fake_api.sent("sendMessage", ann_chat["id"])[-1]
    assert call.content_type == "application/json" and not call.files
    assert call.params["chat_id"] == ann_chat["id"]  # a number, as sent: not a form's string
    assert fake_api.message(ann_chat["id"], sent.message_id)["text"] == "1 & 2"


async def test_a_video_goes_in_place_streamable_and_a_topic_placeholder_stays_in_its_topic(fake_api, ann):
    group = fake_api.group_chat()
    command = await fake_api.send_text(ann, group, "/video a wave")
    bot = await ext_bot(fake_api.base_url, FloodGate(per_second=1000, group_rate=(1000, 60)))
    sent = await Placeholder().send(bot, Where(group["id"], command["message_id"], 7), "⏳ Queued")
    clip = b"\x00\x00\x00\x18ftypmp42" + bytes(4000)
    result = Result(kind="video", filename="reelbot-j2.mp4", mime="video/mp4", data=clip, url="https://x/a.mp4")
    placed = await edit_into_result(bot, result, Where(group["id"], command["message_id"], 7, sent["message_id"], True),
                                    caption="a wave", markup=None, spoiler=False, read_timeout=5)
    await bot.shutdown()
    assert fake_api.sent("sendPhoto", group["id"])[-1].params["message_thread_id"] == 7
    media = json.loads(fake_api.sent("editMessageMedia", group["id"])[-1].params["media"])  # a part of the form
    assert media["type"] == "video" and media["supports_streaming"] is True and "has_spoiler" not in media
    assert placed.message_id == sent["message_id"]
    assert fake_api.file_bytes(fake_api.message(group["id"], sent["message_id"])["video"]["file_id"]) == clip


def test_a_keyboard_as_json_is_what_ptb_would_send():
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x:1"),
                                    InlineKeyboardButton("b", url="https://example.org")],
                                   [InlineKeyboardButton("c", callback_data="y:2")]])
    assert lean.markup_json(markup) == markup.to_dict()
    assert lean.markup_json(None) is None
    # a field the fast path does not build by hand is still sent
    styled = InlineKeyboardMarkup([[InlineKeyboardButton("d", callback_data="z:3", api_kwargs={"style": "primary"})]])
    assert lean.markup_json(styled) == styled.to_dict() and styled.to_dict()["inline_keyboard"][0][0]["style"]
