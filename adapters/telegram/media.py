"""Finding and downloading the picture a command refers to.

A member attaches an image to /animate (or a character to /video) by sending the command
as the caption of a photo or of an image file, or by replying with the command to such a
message. Files are checked against the size limit before anything is downloaded, and the
download itself stops past the limit, since Telegram does not always report a size.
"""

from __future__ import annotations

import logging

import httpx
from telegram import Document, Message, PhotoSize
from telegram.error import TelegramError

from adapters.telegram.config import MB
from adapters.telegram.flood import patiently
from bot.errors import UserError
from bot.i18n import T
from bot.validation import MAX_IMAGE_BYTES

__all__ = ["image_in", "image_for", "download_image", "NotAnImage", "NOT_FETCHED"]

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


def _check_size(size: int | None) -> None:
    if size is not None and size > MAX_IMAGE_BYTES:
        raise UserError(T("The image is {size} MB; send one of {limit} MB or less.",
                          size=f"{size / MB:.1f}", limit=MAX_IMAGE_BYTES // MB))
