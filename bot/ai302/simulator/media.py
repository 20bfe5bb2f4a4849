"""Real media for the simulator to serve: a PNG drawn per request and a short H.264 MP4."""

from __future__ import annotations

import hashlib
import io
from functools import cache, lru_cache
from importlib import resources

from PIL import Image, ImageDraw

__all__ = ["png_for", "sample_mp4", "size_for_ratio"]


def size_for_ratio(aspect_ratio: str | None, long_side: int = 512) -> tuple[int, int]:
    try:
        w, h = (float(x) for x in (aspect_ratio or "1:1").split(":"))
    except ValueError:
        w, h = 1.0, 1.0
    if w >= h:
        return long_side, max(1, round(long_side * h / w))
    return max(1, round(long_side * w / h)), long_side


@lru_cache(maxsize=64)  # drawing one costs ~10 ms of CPU: benchmarks ask for the same thousands of times
def png_for(prompt: str, size: tuple[int, int]) -> bytes:
    """A gradient whose colours come from the prompt, so different prompts give different files."""
    digest = hashlib.sha256(prompt.encode()).digest()
    start, end = digest[:3], digest[3:6]
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    width, height = size
    for y in range(height):
        t = y / max(1, height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@cache
def sample_mp4() -> bytes:
    return resources.files("bot.ai302.simulator").joinpath("assets/sample.mp4").read_bytes()
