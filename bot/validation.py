"""Checks a raw request before anything is spent, and says what to change when it fails."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from bot.catalog import CAMERA_MOVES, MAX_CAMERA_MOVES, Catalog, Endpoint, ImageRole, Model
from bot.clean_text import clean_text
from bot.domain.requests import Command, GenerationRequest
from bot.errors import ValidationError
from bot.i18n import T
from bot.unified_options import check_parameters
from bot.video_input import PreparedVideo, check_video

__all__ = ["Checked", "PreparedImage", "Validator", "check_options", "clean_text", "MAX_PROMPT_CHARS", "MAX_PROMPT_WORDS",
           "MAX_IMAGE_BYTES", "MIN_IMAGE_SIDE"]

# 302.AI's pages say prompts must be "less than 200 words"; MiniMax caps characters at 2000.
MAX_PROMPT_WORDS = 200
MAX_PROMPT_CHARS = 2000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MIN_IMAGE_SIDE = 300  # the shorter side must be over this
MIN_RATIO, MAX_RATIO = 2 / 5, 5 / 2
# Far beyond any real photo; stops a tiny file that decompresses into gigabytes.
MAX_IMAGE_PIXELS = 64_000_000

_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "MPO": "image/jpeg"}


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int


@dataclass(frozen=True)
class Checked:
    """A request that passed every check, with its options filled in, its price (credits)
    and its cost (mPTC)."""

    model: Model
    prompt: str
    options: dict[str, str]
    image: PreparedImage | None
    price: int
    cost_mptc: int
    end_image: PreparedImage | None = None  # the last frame
    video: PreparedVideo | None = None  # the clip a video-to-video model restyles

    def inputs(self) -> dict[str, tuple[str, bytes]]:
        """The inputs stored besides the first image, by their 302.AI field name."""
        found = {"end_image": self.end_image, "video": self.video}
        return {name: (item.mime, item.data) for name, item in found.items() if item is not None}


class Validator:
    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    async def check(self, request: GenerationRequest) -> Checked:
        model = self._pick_model(request)
        prompt = self._check_prompt(request.command, request.prompt, model)
        self._check_media(request, model)
        if model.endpoint is Endpoint.UNIFIED_VIDEO:  # options from 302.AI's list of its parameters
            options = check_parameters(model, request.options, images=int(request.image is not None))
        else:
            options = check_options(model, request.command, request.options)
        image = end_image = video = None
        if request.image is not None:
            image = await asyncio.to_thread(_check_image, request.image, model)
        if request.end_image is not None:
            end_image = await asyncio.to_thread(_check_image, request.end_image, model)
        billed = options
        if request.video is not None:
            video = await asyncio.to_thread(check_video, request.video)
            if model.per_second and model.parameter("duration") is None:
                # priced per second of the clip it restyles: the member's clip's seconds
                billed = {**options, "duration": str(-(-int(video.seconds * 1000) // 1000))}
        return Checked(model, prompt, options, image, model.price_for(billed), model.cost_for(billed),
                       end_image, video)

    def _check_media(self, request: GenerationRequest, model: Model) -> None:
        """A last frame or a video only for a model that takes it, refused by its name before
        anything is spent (302.AI would refuse it after the paid call was sent, or ignore it)."""
        if request.end_image is not None:
            if request.command is not Command.ANIMATE or request.image is None:
                raise ValidationError(T("A last frame (end_image) goes with /animate and a first picture."))
            if not model.last_frame:
                raise ValidationError(T("{model} takes no last frame (end_image). Models that take one: {models}.",
                                        model=model.name, models=self._names(lambda m: m.last_frame)))
        if request.video is not None and not model.takes_video:
            raise ValidationError(T("{model} does not take a video. Models that restyle a video (video to video, "
                                    "with /video): {models}.", model=model.name,
                                    models=self._names(lambda m: m.takes_video)))
        if request.video is None and model.needs_video:
            raise ValidationError(T("{model} restyles a video: send /video with a video attached, or as a reply "
                                    "to one.", model=model.name))

    def _names(self, takes) -> str:
        names = [m.name for m in self._catalog if takes(m) and m.commands]
        return ", ".join(names) if names else T("none here")

    def _pick_model(self, request: GenerationRequest) -> Model:
        command, has_image = request.command, request.image is not None
        if request.video is not None and command is not Command.VIDEO:
            raise ValidationError(T("To restyle a video, use /video with the video attached."))
        if request.video is not None and not request.model:
            model = next((m for m in self._catalog.offered(command) if m.takes_video), None)
            if model is None:
                raise ValidationError(T("No model here restyles a video (video to video)."))
        elif command is Command.VIDEO and has_image and not request.model:
            model = self._catalog.get("S2V-01")
        elif command is Command.IMAGE and has_image and not request.model:
            model = self._catalog.default(command, image=True)
        else:
            model = self._catalog.resolve(command, request.model)
        if model.image_role is ImageRole.SUBJECT and not has_image:
            raise ValidationError(T("{model} makes a video of a character: attach a picture of the character.",
                                    model=model.name))
        if command is Command.VIDEO and has_image and model.endpoint is Endpoint.UNIFIED_VIDEO:
            raise ValidationError(T("To make a video from a picture, use /animate with {model}.", model=model.name))
        if command is Command.VIDEO and has_image and model.image_role is not ImageRole.SUBJECT:
            raise ValidationError(T(
                "A character image works only with S2V-01, not {model}. "
                "Leave the model out (or choose S2V-01), or to animate a picture use /animate.", model=model.name))
        if command is Command.ANIMATE and not has_image:
            raise ValidationError(T("Attach the image you want to animate (JPG, PNG or WebP)."))
        if model.image_role is ImageRole.SOURCE and not has_image:
            raise ValidationError(T("{model} redraws a picture: attach the image you want it to change.",
                                    model=model.name))
        if command is Command.IMAGE and has_image and model.image_role is not ImageRole.SOURCE:
            # Refused rather than dropping the picture (or switching models behind the member's back).
            redraw = ", ".join(m.name for m in self._catalog.for_command(command) if m.image_role is ImageRole.SOURCE)
            raise ValidationError(T("{model} draws from text only, so it cannot use the attached picture. "
                                    "Leave the model out, or choose one that redraws a picture: {models}. "
                                    "To animate a picture use /animate.", model=model.name, models=redraw))
        return model

    @staticmethod
    def _check_prompt(command: Command, prompt: str, model: Model) -> str:
        prompt = clean_text(prompt)
        if not prompt and command is not Command.ANIMATE:
            raise ValidationError(T("Describe what you want after /{command}, e.g. /{command} a red fox in the snow.",
                                    command=str(command)))
        words = len(prompt.split())
        if words >= MAX_PROMPT_WORDS:
            raise ValidationError(T("Your prompt has {words} words; keep it under {limit}.",
                                    words=words, limit=MAX_PROMPT_WORDS))
        if len(prompt) > MAX_PROMPT_CHARS:
            raise ValidationError(T("Your prompt has {chars} characters; keep it to {limit} at most.",
                                    chars=len(prompt), limit=MAX_PROMPT_CHARS))
        return prompt


def check_options(model: Model, command: Command, raw: Mapping[str, str]) -> dict[str, str]:
    options = dict(model.defaults)
    for name, value in raw.items():
        if value is None or str(value).strip() == "":
            continue
        if name in model.text_options:
            if text := _check_text_option(name, str(value)):
                options[name] = text
            continue
        allowed = model.options.get(name)
        if allowed is None:
            names = [*model.options, *model.text_options]
            takes = ", ".join(names) if names else T("none besides the prompt")
            raise ValidationError(T("{model} has no option “{name}”. Options it takes: {takes}.",
                                    model=model.name, name=name, takes=takes))
        if name == "camera":
            options[name] = _check_camera(model, str(value))
            continue
        match = next((a for a in allowed if a.lower() == str(value).strip().lower()), None)
        if match is None:
            raise ValidationError(T("{name} “{value}” is not available for {model}. Choose one of: {allowed}.",
                                    name=name, value=value, model=model.name, allowed=", ".join(allowed)))
        options[name] = match
    if options.get("resolution") == "512P" and command is not Command.ANIMATE:
        raise ValidationError(T("512P needs a starting image: use /animate, or choose 768P or 1080P."))
    if options.get("resolution") == "1080P" and options.get("duration") == "10":
        raise ValidationError(T("1080P videos can only be 6 seconds long: choose duration 6 or resolution 768P."))
    return options


def _check_text_option(name: str, value: str) -> str:
    """A free-text option (negative_prompt) under the same limits as the prompt."""
    text = clean_text(value)
    if len(text.split()) >= MAX_PROMPT_WORDS or len(text) > MAX_PROMPT_CHARS:
        raise ValidationError(T("{name} is too long: keep it under {words} words and {chars} characters.",
                                name=name, words=MAX_PROMPT_WORDS, chars=MAX_PROMPT_CHARS))
    return text


def _check_camera(model: Model, value: str) -> str:
    moves = []
    for part in value.replace("[", "").replace("]", "").split(","):
        part = part.strip()
        if not part:
            continue
        move = next((m for m in CAMERA_MOVES if m.lower() == part.lower()), None)
        if move is None:
            raise ValidationError(T("Unknown camera move “{move}”. Choose from: {moves}.",
                                    move=part, moves=", ".join(CAMERA_MOVES)))
        if move not in moves:
            moves.append(move)
    if len(moves) > MAX_CAMERA_MOVES:
        raise ValidationError(T("Combine at most {limit} camera moves; you gave {given}.",
                                limit=MAX_CAMERA_MOVES, given=len(moves)))
    return ",".join(moves)


def _check_image(data: bytes, model: Model) -> PreparedImage:
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(T("The image is {size} MB; send one of 20 MB or less.",
                                size=f"{len(data) / 1048576:.1f}"))
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = img.format, img.size
            if fmt not in _FORMATS:
                raise ValidationError(T("That file is {format}; send a JPG, PNG or WebP image.", format=fmt) if fmt
                                      else T("That file is not an image; send a JPG, PNG or WebP image."))
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(T("The image is {width}×{height} px, too large to process; "
                                        "send a smaller one.", width=width, height=height))
            img.load()  # decode it all: a truncated or corrupt file fails here, not at 302.AI
            if (fmt == "WEBP" and not model.accepts_webp) or fmt == "MPO":
                # MPO: a phone camera's JPEG with extra frames appended; 302.AI gets the first
                img.seek(0)
                data, fmt = _to_jpeg(img), "JPEG"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(T("That file could not be read as an image; send a JPG, PNG or WebP image.")) from None
    if min(width, height) <= MIN_IMAGE_SIDE:
        raise ValidationError(T("The image is {width}×{height} px; its shorter side must be over {min} px. "
                                "Send a larger image.", width=width, height=height, min=MIN_IMAGE_SIDE))
    if not MIN_RATIO <= width / height <= MAX_RATIO:
        raise ValidationError(T("The image is {width}×{height} px; its shape must be between 2:5 (tall) and "
                                "5:2 (wide). Crop it and try again.", width=width, height=height))
    return PreparedImage(data, _FORMATS[fmt], width, height)


def _to_jpeg(img: Image.Image) -> bytes:
    # Only Hailuo-02 takes WebP; the others get the same picture as a JPEG.
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()
