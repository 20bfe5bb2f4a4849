"""One message per job, which becomes the result (TELEGRAM_RESULT_IN_PLACE).

The answer to a command is a small placeholder photo whose caption carries the status; when
the result is ready, editMessageMedia puts it in the placeholder's place. An image costs two
calls (the answer and that edit), a video two plus its few progress edits, where a text
status message, a new result message and the status's final edit cost three or more, and
every one counts against Telegram's budget (30 a second, 20 a minute in a group).

The placeholder is uploaded once per process; after that every answer reuses its file_id.

Exactly once: editing the same message again puts the same result in the same place, so a
delivery retried after a crash between the edit and its record (the core marks the job
`posting` first) leaves one result message, not two. Where the edit cannot be used — no
bytes to upload (a file over the upload limit), a photo over sendPhoto's 10 MB, the
placeholder deleted, Telegram refusing the media — nothing was changed, and the caller
posts a new message as before.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from dataclasses import dataclass

from PIL import Image, ImageDraw
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden

from adapters.telegram import lean
from adapters.telegram.delivery import PHOTO_LIMIT
from adapters.telegram.destination import Where
from adapters.telegram.flood import AS_RESULT
from bot.errors import DestinationGone
from bot.ports import Result

__all__ = ["Placeholder", "Placed", "edit_into_result"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placed:
    message_id: int | None  # None: not placed, post the result anew
    status_gone: bool = False  # the placeholder no longer exists: no final text to show on it


class Placeholder:
    """Sends the placeholder photo: uploaded at the first answer, then by its file_id."""

    def __init__(self) -> None:
        self._file_id: str | None = None
        self._uploading = asyncio.Lock()

    async def send(self, bot: Bot, where: Where, caption: str, *, markup: InlineKeyboardMarkup | None = None,
                   rate_limit_args: dict | None = None) -> dict:
        """A placeholder photo replying at `where`; returns the sent message's JSON (message_id…)."""
        params = {**where.reply_json(), "caption": caption, "parse_mode": ParseMode.HTML.value,
                  "reply_markup": lean.markup_json(markup)}
        if self._file_id is None:
            async with self._uploading:  # under a burst, one upload; the others wait for its file_id
                if self._file_id is None:
                    message = await lean.call(bot, "sendPhoto", params,
                                              files={"photo": ("reelbot.png", _placeholder_png(), "image/png")},
                                              rate_limit_args=rate_limit_args)
                    self._file_id = message["photo"][-1]["file_id"]
                    return message
        try:
            return await lean.call(bot, "sendPhoto", {**params, "photo": self._file_id},
                                   rate_limit_args=rate_limit_args)
        except BadRequest as err:
            if "file" not in err.message.lower():
                raise
            # Telegram no longer knows the file (another server, a reset): upload it again
            log.info("Telegram refused the placeholder's file_id (%s); uploading it again", err.message)
            self._file_id = None
            return await self.send(bot, where, caption, markup=markup, rate_limit_args=rate_limit_args)


async def edit_into_result(bot: Bot, result: Result, where: Where, *, caption: str, markup: InlineKeyboardMarkup,
                           spoiler: bool, read_timeout: float) -> Placed:
    """Replace the placeholder at `where` by `result`, or say it cannot (nothing changed: post
    the result as a new message). Errors that may be worth a retry (flood control, the
    network) reach the caller: retrying edits the same message again."""
    if where.status_id is None or result.data is None:
        return Placed(None)
    if result.kind == "image" and len(result.data) > PHOTO_LIMIT:
        return Placed(None)
    media = {"type": "video" if result.kind == "video" else "photo", "media": "attach://result", "caption": caption,
             "parse_mode": ParseMode.HTML.value}
    if spoiler:
        media["has_spoiler"] = True
    if result.kind == "video":
        media["supports_streaming"] = True
    try:
        await lean.call(bot, "editMessageMedia", {"chat_id": where.chat_id, "message_id": where.status_id,
                                                   "media": media, "reply_markup": lean.markup_json(markup)},
                        files={"result": (result.filename, result.data, result.mime)}, rate_limit_args=AS_RESULT,
                        read_timeout=read_timeout)
    except BadRequest as err:
        text = err.message.lower()
        if "not modified" in text:  # an earlier try put it there already
            return Placed(where.status_id)
        # deleted, no longer editable, a photo Telegram will not take as one, too large: a new message
        log.info("Cannot turn status message %s/%s into the result (%s); posting it anew",
                 where.chat_id, where.status_id, err.message)
        return Placed(None, status_gone="not found" in text)
    except ChatMigrated:  # the old group's messages cannot be edited; the new post follows the group
        return Placed(None, status_gone=True)
    except Forbidden as err:  # the bot was removed from the group, or the member blocked it
        raise DestinationGone(f"Telegram chat {where.chat_id}: {err.message}") from err
    return Placed(where.status_id)


@functools.cache
def _placeholder_png() -> bytes:
    """A small dark frame with an hourglass-like mark: what the member sees until the result."""
    image = Image.new("RGB", (480, 270), (32, 36, 44))
    draw = ImageDraw.Draw(image)
    draw.polygon([(216, 95), (264, 95), (240, 135)], fill=(120, 130, 150))
    draw.polygon([(216, 175), (264, 175), (240, 135)], fill=(120, 130, 150))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
