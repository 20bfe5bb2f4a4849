"""Posting a finished video or image, whatever its size.

In order of preference: upload the bytes; else let Telegram fetch the file from its URL
itself (it does so up to 20 MB, 5 MB for photos); else post the link with a short note.
A photo Telegram will not take as a photo (over 10 MB, odd dimensions) goes as a file.
Only errors no other way of sending avoids escape from here: the caller tells a chat
that is gone from one worth retrying (the core then retries the delivery). Nothing is
re-sent here: after flood control the core's retry is held by the bot's FloodGate until
Telegram allows it, and after an unclear failure the core decides.
"""

from __future__ import annotations

import logging

from telegram import Bot, InputFile, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError

from adapters.telegram import render
from adapters.telegram.config import MB
from adapters.telegram.destination import Where
from adapters.telegram.flood import AS_RESULT
from bot.chats.rules import ADULT
from bot.domain.job import Job
from bot.ports import Result

__all__ = ["send_result", "URL_FETCH_LIMIT", "PHOTO_LIMIT"]

log = logging.getLogger(__name__)

PHOTO_LIMIT = 10 * MB  # sendPhoto uploads
URL_FETCH_LIMIT = {"image": 5 * MB, "video": 20 * MB}
# "sending a video…" above the chat, for files whose upload takes a while; a smaller one
# arrives before the member would see it, and the call would be one more per result
CHAT_ACTION_FROM = 5 * MB


async def send_result(bot: Bot, job: Job, result: Result, *, where: Where, upload_limit: int,
                      read_timeout: float) -> Message:
    """Post `result` at `where`. `read_timeout` applies to the media sends: Telegram answers
    them only once the file is processed, and a timeout there would re-post a posted file."""
    common = {**where.reply(), "caption": render.caption(job), "parse_mode": ParseMode.HTML,
              "reply_markup": render.buttons(job, animate=result.kind == "image"),
              "read_timeout": read_timeout, "rate_limit_args": AS_RESULT}
    # an adult-only model's result is shown under a spoiler (photos and videos; a file has none)
    spoiler = {"has_spoiler": True} if job.destination.get(ADULT) else {}
    if result.data is None or len(result.data) > CHAT_ACTION_FROM:
        await _chat_action(bot, where, result.kind)
    if result.data is not None:
        try:
            return await _upload(bot, result, common, spoiler)
        except (BadRequest, NetworkError) as err:
            if not _too_large(err):
                raise
            log.warning("job %s: Telegram refused the %d-byte upload (%s); trying the URL",
                        job.id, len(result.data), err.message)
    # data is None only when the file is larger than the upload limit
    smallest = result.size or (upload_limit + 1 if result.data is None else 0)
    if result.url and smallest <= URL_FETCH_LIMIT[result.kind]:
        try:
            return await _by_url(bot, result, common, spoiler)
        except BadRequest as err:
            log.info("job %s: Telegram could not fetch the result from its URL (%s)", job.id, err.message)
    return await bot.send_message(
        text=render.link_note(job, result, upload_limit), parse_mode=ParseMode.HTML,
        reply_markup=render.buttons(job, animate=False), rate_limit_args=AS_RESULT, **where.reply())


async def _upload(bot: Bot, result: Result, common: dict, spoiler: dict) -> Message:
    file = InputFile(result.data, filename=result.filename)
    if result.kind == "video":
        return await bot.send_video(video=file, supports_streaming=True, **common, **spoiler)
    if len(result.data) <= PHOTO_LIMIT:
        try:
            return await bot.send_photo(photo=file, **common, **spoiler)
        except BadRequest as err:  # PHOTO_INVALID_DIMENSIONS and the like: a file still works
            log.info("Telegram refused the image as a photo (%s); sending it as a file", err.message)
            file = InputFile(result.data, filename=result.filename)
    return await bot.send_document(document=file, **common)


async def _by_url(bot: Bot, result: Result, common: dict, spoiler: dict) -> Message:
    if result.kind == "video":
        return await bot.send_video(video=result.url, supports_streaming=True, **common, **spoiler)
    return await bot.send_photo(photo=result.url, **common, **spoiler)


async def _chat_action(bot: Bot, where: Where, kind: str) -> None:
    action = ChatAction.UPLOAD_VIDEO if kind == "video" else ChatAction.UPLOAD_PHOTO
    try:
        await bot.send_chat_action(where.chat_id, action, message_thread_id=where.thread_id)
    except TelegramError as err:  # a courtesy; the upload itself will report real trouble
        log.debug("sendChatAction failed: %s", err)


def _too_large(err: TelegramError) -> bool:
    text = err.message.lower()
    return "too large" in text or "too big" in text
