"""What a command's message brings besides its text, downloaded: the picture attached or replied
to (for /animate, or an album's two: the first and the last frame) and, for /video, a video to
restyle (video to video). Each is checked against its size cap before it is downloaded."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message

from adapters.telegram.albums import Albums, first_and_last
from adapters.telegram.media import download_image, download_video, image_for, video_for
from bot.domain.requests import Command
from bot.errors import UserError
from bot.i18n import T

__all__ = ["Attached", "attached", "ANIMATE_HOW"]

ANIMATE_HOW = T("Send /animate as the caption of a photo, or reply with /animate to a message that has "
                "a photo or an image file.")


@dataclass(frozen=True)
class Attached:
    key: str  # the job's request key: the update's, or an album's
    image: bytes | None = None
    end_image: bytes | None = None
    video: bytes | None = None


async def attached(message: Message, command: Command, key: str, albums: Albums, update_id: int) -> Attached | None:
    """None when another update of the same album answers it."""
    last = clip = None
    if command is Command.ANIMATE and message.media_group_id:  # an album: first and last frame
        frames = await first_and_last(albums, update_id, message)
        if frames is None:
            return None
        key, source, last = frames
    else:
        # Each takes the picture attached or replied to (/image redraws it with an image-to-image
        # model). Only /animate needs one: for the others any other file is just not a picture to use.
        source = image_for(message, strict=command is Command.ANIMATE)
    if command is Command.ANIMATE and source is None:
        raise UserError(ANIMATE_HOW)
    if command is Command.VIDEO and (found := video_for(message)) is not None:
        clip = await download_video(found)
    image = await download_image(source) if source is not None else None
    end_image = await download_image(last) if last is not None else None
    return Attached(key, image, end_image, clip)
