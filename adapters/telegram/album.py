"""Posting several pictures of one job as ONE album (sendMediaGroup), or one result as before.

An answer of several pictures (302.AI's `image_urls`) is one post: one call, so that the
delivery's bookkeeping (the job's `posting` mark, then `delivered`) covers all of them at
once, and a crash never leaves half an album to be completed by a second one. The caption
goes with the first picture, where Telegram shows it for the album; an album takes no
buttons, so "Again" is a reply away (a reply to its first picture, which the messenger
records as the job's result message, re-runs it).

In order of preference, like a single result (adapters.telegram.delivery): photos from the
bytes (a picture over the upload cap goes by its URL, which Telegram fetches itself); if
Telegram refuses them as photos, the same as files; if it refuses those too, one message of
links. Nothing here is sent twice after an unclear failure: the core decides that.
"""

from __future__ import annotations

import logging

from telegram import Bot, InputFile, InputMediaDocument, InputMediaPhoto, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from adapters.telegram import render
from adapters.telegram.delivery import PHOTO_LIMIT, send_result
from adapters.telegram.flood import AS_RESULT
from adapters.telegram.destination import Where
from bot.chats.rules import ADULT
from bot.domain.job import Job
from bot.ports import Result

__all__ = ["send_results", "send_album"]

log = logging.getLogger(__name__)


async def send_results(bot: Bot, job: Job, result: Result, *, where: Where, upload_limit: int,
                       read_timeout: float) -> Message:
    """Post `result` (and `result.more`) at `where`; the (first) message posted."""
    if not result.more:
        return await send_result(bot, job, result, where=where, upload_limit=upload_limit, read_timeout=read_timeout)
    return await send_album(bot, job, result, where=where, upload_limit=upload_limit, read_timeout=read_timeout)


async def send_album(bot: Bot, job: Job, result: Result, *, where: Where, upload_limit: int,
                     read_timeout: float) -> Message:
    pictures = (result, *result.more)
    # read_timeout: Telegram answers only once every file is processed, and a timeout there
    # would make the core post a posted album again
    common = {**where.reply(), "read_timeout": read_timeout, "rate_limit_args": AS_RESULT}
    # an album is all photos or all files (Telegram groups no mix): one over the photo cap makes it files
    if all(p.data is None or len(p.data) <= PHOTO_LIMIT for p in pictures):
        try:
            return (await bot.send_media_group(media=_media(job, pictures, as_photos=True), **common))[0]
        except BadRequest as err:  # PHOTO_INVALID_DIMENSIONS, a URL Telegram would not fetch as a photo…
            log.info("job %s: Telegram refused the album as photos (%s); sending the files", job.id, err.message)
    try:
        return (await bot.send_media_group(media=_media(job, pictures, as_photos=False), **common))[0]
    except BadRequest as err:
        log.info("job %s: Telegram refused the album as files too (%s); sending links", job.id, err.message)
    links = "\n".join(f'<a href="{render.esc(p.url)}">{index}</a>' for index, p in enumerate(pictures[1:], start=2))
    return await bot.send_message(text=f"{render.link_note(job, result, upload_limit)}\n{links}",
                                  parse_mode=ParseMode.HTML, rate_limit_args=AS_RESULT, **where.reply())


def _media(job: Job, pictures: tuple[Result, ...], *, as_photos: bool) -> list[InputMediaPhoto | InputMediaDocument]:
    # an adult-only model's pictures under a spoiler (photos only: a file has none)
    spoiler = bool(job.destination.get(ADULT))
    media: list[InputMediaPhoto | InputMediaDocument] = []
    for index, picture in enumerate(pictures):
        caption = {"caption": render.caption(job), "parse_mode": ParseMode.HTML} if index == 0 else {}
        source = (InputFile(picture.data, filename=picture.filename, attach=True)  # attach: a group names its files
                  if picture.data is not None else picture.url)
        if as_photos:
            media.append(InputMediaPhoto(source, has_spoiler=spoiler, **caption))
        else:
            media.append(InputMediaDocument(source, **caption))
    return media
