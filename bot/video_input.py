"""A member's video for video to video (`/video` with a clip), checked before anything is spent.

302.AI takes the clip as a data URL (a chat platform's link is signed, expires, or, on
Telegram, holds the bot token), so it is capped like a picture. Only MP4 and QuickTime are
taken: what Telegram makes of every video, and what phones and Discord uploads are. Their
length is read from the file itself, not from what a platform reports, because a model priced
per second of video is billed for the clip's seconds: the longest of what the headers say
(`mvhd`, each track's `mdhd`) and what each track's samples last (`stts`, what a player
plays), so a clip whose header claims 1 s while its frames run a minute is priced a minute.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bot.errors import ValidationError
from bot.i18n import T

__all__ = ["PreparedVideo", "check_video", "MAX_VIDEO_BYTES"]

MAX_VIDEO_BYTES = 20 * 1024 * 1024  # Telegram lets a bot download up to 20 MB; the same cap everywhere


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


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((body, stop) for child, body, stop in _boxes(data, start, end) if child == kind), None)


def _header_seconds(data: bytes, body: int, stop: int, *, v0: int, v1: int) -> tuple[int, float | None]:
    """(timescale, seconds) of an `mvhd` or `mdhd` box: its timescale and duration sit at `v0`
    (version 0, 32-bit times) or `v1` (version 1, 64-bit) bytes into the body."""
    if data[body] == 1 and stop - body >= v1 + 12:
        scale, duration = struct.unpack_from(">IQ", data, body + v1)
    elif stop - body >= v0 + 8:
        scale, duration = struct.unpack_from(">II", data, body + v0)
    else:
        return 0, None
    return scale, (duration / scale if scale else None)


def _track_seconds(data: bytes, start: int, end: int) -> list[float]:
    """What one `trak` says it lasts (`mdhd`) and what its samples last (`stts`)."""
    mdia = _child(data, start, end, b"mdia")
    mdhd = mdia and _child(data, *mdia, b"mdhd")
    if not mdhd:
        return []
    scale, said = _header_seconds(data, *mdhd, v0=12, v1=20)
    found = [said] if said else []
    minf = _child(data, *mdia, b"minf")
    stbl = minf and _child(data, *minf, b"stbl")
    stts = stbl and _child(data, *stbl, b"stts")
    if stts and scale and stts[1] - stts[0] >= 8:
        body, stop = stts
        (count,) = struct.unpack_from(">I", data, body + 4)
        count = min(count, (stop - body - 8) // 8)
        entries = struct.unpack_from(f">{2 * count}I", data, body + 8)
        found.append(sum(n * delta for n, delta in zip(entries[::2], entries[1::2])) / scale)
    return found


def _seconds(data: bytes) -> float | None:
    moov = _child(data, 0, len(data), b"moov")
    if moov is None:
        return None
    mvhd = _child(data, *moov, b"mvhd")
    said = _header_seconds(data, *mvhd, v0=12, v1=20)[1] if mvhd else None
    if said is None:
        return None  # no movie header: not a clip we can price
    tracks = [s for kind, body, stop in _boxes(data, *moov) if kind == b"trak"
              for s in _track_seconds(data, body, stop)]
    return max([said, *tracks])


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
