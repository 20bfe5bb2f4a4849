"""Finding and downloading the picture (or the video) a command refers to.

A member attaches an image to /animate (or a character to /video) by sending the command
as the caption of a photo or of an image file, or by replying with the command to such a
message; a video for video to video the same way, with /video. Files are checked against
the size limit before anything is downloaded (the size in the message, then getFile's), and
the download itself stops past the limit, since Telegram does not always report a size.
"""

from __future__ import annotations

import logging

import httpx
from telegram import Document, Message, PhotoSize, Video
from telegram.error import TelegramError

from adapters.telegram.config import MB
from adapters.telegram.flood import patiently
from bot.errors import UserError
from bot.i18n import T
from bot.validation import MAX_IMAGE_BYTES
from bot.video_input import MAX_VIDEO_BYTES

__all__ = ["image_in", "image_for", "download_image", "video_for", "download_video", "NotAnImage", "NOT_FETCHED"]

log = logging.getLogger(__name__)

# Fixed words: the error's own text can hold the file URL, and that URL holds the bot token.
NOT_FETCHED = T("I could not fetch that picture from Telegram. Please send it again.")
_DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class NotAnImage(UserError):
    pass


def image_in(message: Message | None, *, strict: bool = True) -> PhotoSize | Document | None:
    """The picture in `message`, or None when it has none. A file that is not an image is
    NotAnImage when `strict`, else None (it is simply not a picture to use)."""
    if message is None:
        return None
    if message.photo:
        return message.photo[-1]  # Telegram lists the sizes smallest first
    document = message.document
    if document is None:
        return None
    if not (document.mime_type or "").startswith("image/"):
        if not strict:
            return None
        kind = document.mime_type or T("unknown type")
        if document.file_name:
            raise NotAnImage(T("“{name}” is not an image ({kind}). Send a photo, or a JPG, PNG or WebP file.",
                               name=document.file_name, kind=kind))
        raise NotAnImage(T("That file is not an image ({kind}). Send a photo, or a JPG, PNG or WebP file.",
                           kind=kind))
    return document


def image_for(message: Message, *, strict: bool = True) -> PhotoSize | Document | None:
    """The picture attached to the command itself, else the one in the message it replies to."""
    return image_in(message, strict=strict) or image_in(message.reply_to_message, strict=strict)


async def download_image(source: PhotoSize | Document) -> bytes:
    _check_size(source.file_size)
    try:
        file = await patiently(source.get_file)
        _check_size(file.file_size)
        data = await _fetch_capped(file.file_path or "", MAX_IMAGE_BYTES)
    except (TelegramError, httpx.HTTPError) as err:
        log.warning("Could not download picture %s: %s", source.file_unique_id, err)
        raise UserError(NOT_FETCHED) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise UserError(T("The image is over {limit} MB; send one of {limit} MB or less.",
                          limit=MAX_IMAGE_BYTES // MB))
    return data


async def _fetch_capped(url: str, limit: int) -> bytes:
    """The file at `url`, or its first `limit` + 1 bytes or so when it is longer."""
    # PTB's own download reads the whole file into memory before we could look at its size.
    data = bytearray()
    async with httpx.AsyncClient(timeout=_DOWNLOAD_TIMEOUT) as client, client.stream("GET", url) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > limit:
                break  # enough to refuse it
    return bytes(data)


def _video_in(message: Message | None) -> Video | Document | None:
    if message is None:
        return None
    if message.video:
        return message.video
    document = message.document
    return document if document is not None and (document.mime_type or "").startswith("video/") else None


def video_for(message: Message) -> Video | Document | None:
    """The video attached to the command itself, else the one in the message it replies to."""
    return _video_in(message) or _video_in(message.reply_to_message)


async def download_video(source: Video | Document) -> bytes:
    _check_video_size(source.file_size)  # before getFile: an oversize clip is never fetched
    try:
        file = await patiently(source.get_file)
        _check_video_size(file.file_size)
        data = await _fetch_capped(file.file_path or "", MAX_VIDEO_BYTES)
    except (TelegramError, httpx.HTTPError) as err:
        log.warning("Could not download video %s: %s", source.file_unique_id, err)
        raise UserError(T("I could not fetch that video from Telegram. Please send it again.")) from None
    _check_video_size(len(data) if len(data) > MAX_VIDEO_BYTES else None)
    return data


def _check_video_size(size: int | None) -> None:
    if size is not None and size > MAX_VIDEO_BYTES:
        raise UserError(T("The video is {size} MB; send one of {limit} MB or less.",
                          size=f"{size / MB:.1f}", limit=MAX_VIDEO_BYTES // MB))


def _check_size(size: int | None) -> None:
    if size is not None and size > MAX_IMAGE_BYTES:
        raise UserError(T("The image is {size} MB; send one of {limit} MB or less.",
                          size=f"{size / MB:.1f}", limit=MAX_IMAGE_BYTES // MB))
