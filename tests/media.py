"""Test images made on the fly, and checks that bytes really are a PNG or an MP4."""

from __future__ import annotations

import io
import struct

from PIL import Image

__all__ = ["image_bytes", "is_png", "is_mp4", "sample_video"]


def image_bytes(width: int = 640, height: int = 480, fmt: str = "PNG", colour=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def is_png(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return img.format == "PNG"
    except OSError:
        return False


def is_mp4(data: bytes) -> bool:
    """Walks the top-level ISO-BMFF boxes: ftyp first, a moov and an mdat, sizes adding up."""
    boxes, offset = [], 0
    while offset < len(data):
        if offset + 8 > len(data):
            return False
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        if size < 8 or offset + size > len(data):
            return False
        boxes.append(kind)
        offset += size
    return bool(boxes) and boxes[0] == b"ftyp" and b"moov" in boxes and b"mdat" in boxes


def sample_video() -> bytes:
    """A real MP4 of 2 s (the simulator's own sample): a member's clip for video to video."""
    from importlib import resources
    return resources.files("bot.ai302.simulator").joinpath("assets/sample.mp4").read_bytes()
