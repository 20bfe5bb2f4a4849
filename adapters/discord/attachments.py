"""Images and videos members attach: checked by what Discord reports before a byte is downloaded."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import PurePosixPath

import aiohttp
import discord

from bot.errors import UserError, ValidationError
from bot.i18n import T
from bot.validation import MAX_IMAGE_BYTES
from bot.video_input import MAX_VIDEO_BYTES

__all__ = ["first_image", "read_image", "read_video"]

log = logging.getLogger(__name__)

_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
_VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v"}


def _is_image(attachment: discord.Attachment) -> bool:
    # Either clue will do: uploads from other bots often arrive as application/octet-stream
    kind = (attachment.content_type or "").split(";")[0].strip()
    return kind.startswith("image/") or PurePosixPath(attachment.filename).suffix.lower() in _SUFFIXES


def first_image(attachments: Iterable[discord.Attachment]) -> discord.Attachment | None:
    return next((a for a in attachments if _is_image(a)), None)


async def read_image(attachment: discord.Attachment) -> bytes:
    """The attachment's bytes, refused up front when it is no picture or too large."""
    name = attachment.filename
    if not _is_image(attachment):
        raise ValidationError(T("“{name}” is not a picture: attach a JPG, PNG or WebP image.", name=name))
    if attachment.size > MAX_IMAGE_BYTES:
        raise ValidationError(T("“{name}” is {size} MB: attach an image of {limit} MB or less.", name=name,
                                size=f"{attachment.size / 1048576:.1f}", limit=MAX_IMAGE_BYTES // 1048576))
    data = await _download(attachment)
    if len(data) > MAX_IMAGE_BYTES:  # Discord's size was wrong; the core would refuse it anyway
        raise ValidationError(T("“{name}” is over {limit} MB: attach a smaller image.", name=name,
                                limit=MAX_IMAGE_BYTES // 1048576))
    return data


async def read_video(attachment: discord.Attachment) -> bytes:
    """A clip for video to video: refused up front by type and by the size Discord reports,
    so an oversize upload is never downloaded."""
    name = attachment.filename
    kind = (attachment.content_type or "").split(";")[0].strip()
    if not (kind.startswith("video/") or PurePosixPath(name).suffix.lower() in _VIDEO_SUFFIXES):
        raise ValidationError(T("“{name}” is not a video: attach an MP4 or MOV video.", name=name))
    if attachment.size > MAX_VIDEO_BYTES:
        raise ValidationError(T("“{name}” is {size} MB: attach a video of {limit} MB or less.", name=name,
                                size=f"{attachment.size / 1048576:.1f}", limit=MAX_VIDEO_BYTES // 1048576))
    return await _download(attachment)  # past the cap (Discord's size was wrong) the core refuses it


async def _download(attachment: discord.Attachment) -> bytes:
    try:
        return await attachment.read()
    except (discord.HTTPException, aiohttp.ClientError) as exc:
        log.warning("could not download attachment %s: %s", attachment.id, exc)
        raise UserError(T("Discord would not let me download “{name}”. Attach it again and retry.",
                          name=attachment.filename)) from None
