"""The JSON bodies 302.AI expects for a job."""

from __future__ import annotations

import base64
from typing import Any

from bot.catalog import Endpoint, ImageRole, Model
from bot.domain.job import Job

__all__ = ["video_payload", "unified_video_payload", "image_payload", "data_url"]


def data_url(mime: str, data: bytes) -> str:
    # Chat platforms' file links are signed and expire; 302.AI gets the bytes themselves.
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _prompt_with_camera(prompt: str, camera: str | None) -> str:
    # MiniMax reads camera instructions as a bracketed prefix: "[Pan left,Zoom in] a cat".
    if not camera:
        return prompt
    return f"[{camera}] {prompt}".strip()


Inputs = dict[str, tuple[str, bytes]]  # a job's inputs besides its first image (Job.inputs), by name


def video_payload(job: Job, model: Model, image: tuple[str, bytes] | None, *,
                  callback: str | None = None, inputs: Inputs | None = None) -> dict[str, Any]:
    """`callback`: where MiniMax posts the task's status (only ever a wake-up: bot.callbacks).
    A last frame goes as `last_frame_image`, the name API.md and MiniMax's reference give it
    (302.AI's Hailuo-02 page prints "last_frame_images", read here as a typo of the same)."""
    payload: dict[str, Any] = {
        "model": model.name,
        "prompt": _prompt_with_camera(job.prompt, job.options.get("camera")),
        "prompt_optimizer": True,
    }
    if image is not None:
        url = data_url(*image)
        if model.image_role is ImageRole.SUBJECT:
            payload["subject_reference"] = [{"type": "character", "image": [url]}]
        else:
            payload["first_frame_image"] = url
    if inputs and "end_image" in inputs:
        payload["last_frame_image"] = data_url(*inputs["end_image"])
    if "duration" in job.options:
        payload["duration"] = int(job.options["duration"])
    if "resolution" in job.options:
        payload["resolution"] = job.options["resolution"]
    if callback is not None:
        payload["callback"] = callback
    return payload


def _option_value(model: Model, name: str, value: str) -> Any:
    """An option as 302.AI's list types it: the list's own value (a number, a bool), a number
    for a range, text for the rest. The validator has already matched it."""
    param = model.parameter(name)
    if param is not None and param.kind == "list":
        return next((o for o in param.options if str(o).lower() == value.lower()), value)
    if param is not None and param.kind in ("range", "slider"):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def unified_video_payload(job: Job, model: Model, image: tuple[str, bytes] | None,
                          inputs: Inputs | None = None) -> dict[str, Any]:
    """POST /302/v2/video/create: the first frame goes as the `image` array's one entry, the
    last frame as `end_image`, a clip to restyle as `video` (each a data URL, as `image`)."""
    payload: dict[str, Any] = {"model": model.name}
    if job.prompt:
        payload["prompt"] = job.prompt
    if image is not None:
        payload["image"] = [data_url(*image)]
    for name in ("end_image", "video"):
        if inputs and name in inputs:
            payload[name] = data_url(*inputs[name])
    for name, value in job.options.items():
        payload[name] = _option_value(model, name, str(value))
    return payload


def image_payload(job: Job, model: Model, image: tuple[str, bytes] | None = None) -> dict[str, Any]:
    """`image`: the picture an image-to-image model redraws (its `image` field)."""
    if model.endpoint is Endpoint.MINIMAX_IMAGE:
        return {"model": model.name, "prompt": job.prompt,
                "aspect_ratio": job.options.get("aspect_ratio", "1:1"),
                "response_format": "url", "prompt_optimizer": True}
    payload = {"model": model.name, "prompt": job.prompt}
    if "aspect_ratio" in job.options:
        payload["aspect_ratio"] = job.options["aspect_ratio"]
    if "negative_prompt" in job.options:
        payload["negative_prompt"] = job.options["negative_prompt"]
    if model.image_role is ImageRole.SOURCE and image is not None:
        # The interface takes a file, a URL or a data URL; the bytes go inline, as for video.
        payload["image"] = data_url(*image)
    return payload
