"""A member's video for video to video (`/video` with a clip), checked before anything is spent.

302.AI takes the clip as a data URL (a chat platform's link is signed, expires, or, on
Telegram, holds the bot token), so it is capped like a picture. Only MP4 and QuickTime are
taken: what Telegram makes of every video, and what phones and Discord uploads are. Their
length is read from the file itself (the `mvhd` box), not from what a platform reports,
because a model priced per second of video is billed for the clip's seconds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bot.errors import ValidationError
from bot.i18n import T

__all__ = ["PreparedVideo", "check_video", "MAX_VIDEO_BYTES"]

MAX_VIDEO_BYTES = 20 * 1024 * 1024  # Telegram lets a bot download up to 20 MB; the same cap everywhere
_CONTAINERS = (b"moov", b"trak", b"mdia", b"udta", b"edts")  # boxes whose children are boxes


@dataclass(frozen=True)
class PreparedVideo:
    data: bytes
    mime: str
    seconds: float


def _boxes(data: bytes, start: int, end: int):
    """(type, body start, body end) of each box between `start` and `end`."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1 and at + 16 <= end:  # a 64-bit size follows the type
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:  # the last box: to the end
            size = end - at
        if size < header or at + size > end:
            return  # truncated or garbled: what was read so far stands
        yield kind, at + header, at + size
        at += size


def _seconds(data: bytes) -> float | None:
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for child, body, stop in _boxes(data, start, end):
            if child != b"mvhd" or stop - body < 20:
                continue
            if data[body] == 1 and stop - body >= 32:  # version 1: 64-bit times
                scale, duration = struct.unpack_from(">IQ", data, body + 20)
            else:
                scale, duration = struct.unpack_from(">II", data, body + 12)
            return duration / scale if scale else None
    return None


def check_video(data: bytes) -> PreparedVideo:
    if len(data) > MAX_VIDEO_BYTES:
        raise ValidationError(T("The video is {size} MB; send one of {limit} MB or less.",
                                size=f"{len(data) / 1048576:.1f}", limit=MAX_VIDEO_BYTES // 1048576))
    first = next(_boxes(data, 0, min(len(data), 64)), None)
    if first is None or first[0] != b"ftyp":
        raise ValidationError(T("That file is not a video I can use; send an MP4 or MOV video."))
    mime = "video/quicktime" if data[first[1]:first[1] + 4] == b"qt  " else "video/mp4"
    seconds = _seconds(data)
    if seconds is None or seconds <= 0:
        raise ValidationError(T("That video could not be read (its length is missing); send an MP4 or MOV video."))
    return PreparedVideo(data, mime, seconds)
