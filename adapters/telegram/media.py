"""Finding and downloading the picture a command refers to.

A member attaches an image to /animate (or a character to /video) by sending the command
as the caption of a photo or of an image file, or by replying with the command to such a
message. Files are checked against the size limit before anything is downloaded.
"""

from __future__ import annotations

from telegram import Document, Message, PhotoSize
from telegram.error import TelegramError

from bot.errors import UserError
from bot.validation import MAX_IMAGE_BYTES

__all__ = ["image_in", "image_for", "download_image", "NotAnImage"]


class NotAnImage(UserError):
    pass


def image_in(message: Message | None) -> PhotoSize | Document | None:
    """The picture in `message`, or None when it has none; NotAnImage for other files."""
    if message is None:
        return None
    if message.photo:
        return message.photo[-1]  # Telegram lists the sizes smallest first
    document = message.document
    if document is None:
        return None
    if not (document.mime_type or "").startswith("image/"):
        kind = document.mime_type or "unknown type"
        raise NotAnImage(f"“{document.file_name or 'That file'}” is not an image ({kind}). "
                         "Send a photo, or a JPG, PNG or WebP file.")
    return document


def image_for(message: Message) -> PhotoSize | Document | None:
    """The picture attached to the command itself, else the one in the message it replies to."""
    return image_in(message) or image_in(message.reply_to_message)


async def download_image(source: PhotoSize | Document) -> bytes:
    _check_size(source.file_size)
    try:
        file = await source.get_file()
        _check_size(file.file_size)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as err:
        raise UserError("I could not fetch that picture from Telegram "
                        f"({err.message}). Please send it again.") from err
    _check_size(len(data))
    return data


def _check_size(size: int | None) -> None:
    if size is not None and size > MAX_IMAGE_BYTES:
        raise UserError(f"The image is {size / 1048576:.1f} MB; send one of "
                        f"{MAX_IMAGE_BYTES // 1048576} MB or less.")
