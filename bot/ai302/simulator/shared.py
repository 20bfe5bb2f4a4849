"""What the simulator's routes share (server.py, images.py, unified.py): 302.AI's error
envelope, a task being drawn, and how the unified image interface checks a request."""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from PIL import Image

from bot.ai302.simulator.media import size_for_ratio

__all__ = ["_envelope", "_Task", "_image_request", "_valid_image_ref"]

# The unified interface's image-to-image models: `image` required, `aspect_ratio` not supported.
_I2I_MODELS = {"stable-sd3-i2i", "stable-sd3.5-medium-i2i", "stable-sd3.5-large-i2i", "stable-sd3-turbo-i2i",
               "302ai-kolors-i2i"}


def _envelope(status: int, code: int, message: str) -> web.Response:
    body = {"error": {"err_code": code, "message": message, "message_cn": message, "message_jp": message,
                      "type": "api_error"}}
    headers = {"Retry-After": "1"} if status == 429 else None
    return web.json_response(body, status=status, headers=headers)


@dataclass
class _Task:
    task_id: str
    model: str
    started: float
    seconds: float
    fault: str | None


def _image_request(body: dict[str, Any]) -> tuple[web.Response | None, tuple[int, int]]:
    """An image request as the unified image interface checks it (synchronous or not): the 422
    it answers, or None, and the size of the picture it draws."""
    prompt, model = body.get("prompt"), body.get("model")
    size = size_for_ratio(body.get("aspect_ratio"))
    if not isinstance(prompt, str) or not prompt.strip() or not isinstance(model, str) or not model:
        return _envelope(422, -10002, "prompt and model are required"), size
    if not model.endswith("-t2i") and model not in _I2I_MODELS:
        return _envelope(422, -10002, f"model {model} is not supported"), size
    if model in _I2I_MODELS:
        if (problem := _i2i_problem(body)) is not None:
            return _envelope(422, -10002, problem), size
        size = _size_of(body["image"]) or size  # the redrawn picture keeps the source's shape
    return None, size


def _i2i_problem(body: dict[str, Any]) -> str | None:
    """What the unified interface refuses from an image-to-image model, or None. The model
    table says the image is required and aspect_ratio unsupported; sending one is refused here
    so that the bot is caught sending it."""
    image = body.get("image")
    if not image:
        return "the image parameter is required for this model"
    if image != "<file>" and not _valid_image_ref(image):  # "<file>": a multipart upload
        return "image must be a file, an http(s) URL or a data:image base64 string"
    if "aspect_ratio" in body:
        return "the aspect_ratio parameter is not supported for image-to-image models"
    return None


def _size_of(ref: Any) -> tuple[int, int] | None:
    """The pixel size of a data URL's image, scaled to at most 512 px (like the other results); None for a
    URL or a file."""
    match = re.match(r"data:image/[a-z]+;base64,", ref) if isinstance(ref, str) else None
    if match is None:
        return None
    with Image.open(io.BytesIO(base64.b64decode(ref[match.end():]))) as img:
        width, height = img.size
    scale = min(1.0, 512 / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _valid_image_ref(ref: Any) -> bool:
    if not isinstance(ref, str):
        return False
    if ref.startswith(("http://", "https://")):
        return True
    match = re.match(r"data:image/(jpeg|jpg|png|webp);base64,", ref)
    if not match:
        return False
    try:
        with Image.open(io.BytesIO(base64.b64decode(ref[match.end():], validate=True))) as img:
            img.verify()
    except (binascii.Error, ValueError, OSError):
        return False
    return True
