"""The models reelbot offers, their options, what each costs and what each is priced at.

Two numbers per model, never mixed (bot.domain.money):
- its **cost**, what 302.AI charges the operator, in mPTC (thousandths of a PTC): the
  documented 0.5 PTC for MiniMax video and 0.7 PTC for S2V-01; estimates for the rest.
  Operators correct any with REELBOT_COSTS (in PTC).
- its **price**, what a member pays, in credits: 5 for a 0.5 PTC video by default (one credit
  for 0.1 PTC), set to anything, 0 included, with REELBOT_PRICES.
The operator's ceiling and spend count costs; member quotas count prices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.requests import Command
from bot.i18n import N_

__all__ = [
    "Endpoint",
    "ImageRole",
    "Model",
    "Parameter",
    "CAMERA_MOVES",
    "MAX_CAMERA_MOVES",
    "default_models",
]

class Endpoint(StrEnum):
    MINIMAX_VIDEO = "minimax_video"
    MINIMAX_IMAGE = "minimax_image"
    UNIFIED_IMAGE = "unified_image"
    UNIFIED_VIDEO = "unified_video"  # 302.AI's /302/v2/video interface: every other video model


class ImageRole(StrEnum):
    """What an attached image means to the model."""

    NONE = "none"
    FIRST_FRAME = "first_frame"
    SUBJECT = "subject"
    SOURCE = "source"  # image to image: the picture the model redraws


# MiniMax's camera instructions, understood by the Director models and Hailuo-02.
CAMERA_MOVES = (
    "Truck left", "Truck right", "Pan left", "Pan right", "Push in", "Pull out",
    "Pedestal up", "Pedestal down", "Tilt up", "Tilt down", "Zoom in", "Zoom out",
    "Shake", "Tracking shot", "Static shot",
)
MAX_CAMERA_MOVES = 3

_DURATIONS = ("6", "10")
_HAILUO_RESOLUTIONS = ("512P", "768P", "1080P")
_MINIMAX_IMAGE_RATIOS = ("1:1", "16:9", "4:3", "3:2", "2:3", "3:4", "9:16", "21:9")
_STABILITY_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
_WIDE_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")
_IDEOGRAM_RATIOS = ("1:1", "10:16", "16:10", "9:16", "16:9", "3:2", "2:3", "4:3", "3:4", "1:3", "3:1")
_FLUX_ULTRA_RATIOS = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16", "9:21")

# Hailuo-02 costs more for longer and sharper clips: (resolution, duration) -> the share of
# the 768P / 6 s clip's cost and price (estimates: the docs give no figures), in fifths.
_HAILUO_FIFTHS = {
    ("512P", "6"): 3, ("512P", "10"): 5,
    ("768P", "6"): 5, ("768P", "10"): 10,
    ("1080P", "6"): 10,
}
_MINIMAX_VIDEO_MPTC = 500  # 0.5 PTC a video, as documented
_S2V_MPTC = 700  # 0.7 PTC, as documented
_IMAGE_MPTC = 100  # an estimate: 0.1 PTC an image


@dataclass(frozen=True)
class Parameter:
    """One of a unified model's parameters, as 302.AI's model list gives it. `kind` is
    "list" (one of `options`, JSON values), "range" or "slider" (`low`..`high` by `step`),
    or "" (free: text, or media when the name is image / end_image / video)."""

    name: str
    required: bool = False
    kind: str = ""
    options: tuple = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    max_num: int | None = None


@dataclass(frozen=True)
class Model:
    name: str
    commands: frozenset[Command]
    endpoint: Endpoint
    price: int
    description: str
    typical_seconds: float
    image_role: ImageRole = ImageRole.NONE
    # option name -> allowed values; "camera" takes up to MAX_CAMERA_MOVES of its values
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    accepts_webp: bool = False
    aliases: tuple[str, ...] = ()
    # options that take free text rather than one of a list (negative_prompt)
    text_options: tuple[str, ...] = ()
    # what 302.AI charges for one call with the default options, in mPTC; required
    cost_mptc: int | None = None
    # unified models (bot.catalog.unified): their parameters from 302.AI's list, its wording of
    # the price, whether cost (and an operator's per-model price) is per second of video, and
    # the credits per PTC when the price follows the cost (None: `price` as set)
    parameters: tuple[Parameter, ...] = ()
    price_text: str = ""
    per_second: bool = False
    price_per_ptc: int | None = None
    provider: str = ""
    # what the model takes besides a first image: a last frame (MiniMax's `last_frame_image`,
    # the unified `end_image`), a video to restyle (the unified `video`, capability v2v)
    last_frame: bool = False
    takes_video: bool = False
    needs_video: bool = False  # video to video only: /video without a clip is refused
    # an image model 302.AI serves through its asynchronous interface (bot.ai302.images): one
    # paid call that answers with a task id at once, then free fetches under the job's
    # deadline, like a video. False: the synchronous call, which holds the paid request open
    # until the picture exists. Set from _ASYNC_IMAGES below.
    asynchronous: bool = False

    def __post_init__(self) -> None:
        if self.cost_mptc is None or self.cost_mptc < 0 or self.price < 0:
            raise ValueError(f"model {self.name} needs a cost (mPTC) and a price (credits), 0 or more")

    @property
    def output(self) -> str:
        return "video" if self.endpoint in (Endpoint.MINIMAX_VIDEO, Endpoint.UNIFIED_VIDEO) else "image"

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def price_for(self, options: Mapping[str, str]) -> int:
        """Credits a member pays for a call with `options`."""
        if self.price_per_ptc is not None:  # follows the cost, rounded up to a whole credit
            return -(-self.cost_for(options) * self.price_per_ptc // 1000)
        return self._scaled(self.price, options)

    def cost_for(self, options: Mapping[str, str]) -> int:
        """mPTC 302.AI charges for a call with `options`."""
        return self._scaled(self.cost_mptc, options)

    def _scaled(self, base: int, options: Mapping[str, str]) -> int:
        if self.per_second:
            return base * _seconds(options.get("duration") or self.defaults.get("duration") or "1")
        if self.name != "MiniMax-Hailuo-02" or base == 0:
            return base
        key = (options.get("resolution", "768P"), options.get("duration", "6"))
        # the base (an operator's override too) is the 768P / 6 s clip's; the table scales it
        return max(1, round(base * _HAILUO_FIFTHS.get(key, 5) / 5))


def _seconds(duration: str) -> int:
    # a duration the validator passed: whole seconds in every model 302.AI lists; a fraction
    # is charged as the next whole second
    return max(1, -(-int(float(duration) * 1000) // 1000))


def _video_models() -> list[Model]:
    camera = {"camera": CAMERA_MOVES}
    return [
        Model("T2V-01", frozenset({Command.VIDEO}), Endpoint.MINIMAX_VIDEO, 5,
              N_("MiniMax text to video"), 180, cost_mptc=_MINIMAX_VIDEO_MPTC),
        Model("T2V-01-Director", frozenset({Command.VIDEO}), Endpoint.MINIMAX_VIDEO, 5,
              N_("MiniMax text to video with camera control"), 180, options=camera,
              aliases=("director",), cost_mptc=_MINIMAX_VIDEO_MPTC),
        Model("S2V-01", frozenset({Command.VIDEO}), Endpoint.MINIMAX_VIDEO, 7,
              N_("MiniMax video of a given character (needs a character image)"), 180,
              image_role=ImageRole.SUBJECT, cost_mptc=_S2V_MPTC),
        Model("I2V-01", frozenset({Command.ANIMATE}), Endpoint.MINIMAX_VIDEO, 5,
              N_("MiniMax image to video"), 180, image_role=ImageRole.FIRST_FRAME,
              cost_mptc=_MINIMAX_VIDEO_MPTC),
        Model("I2V-01-live", frozenset({Command.ANIMATE}), Endpoint.MINIMAX_VIDEO, 5,
              N_("MiniMax image to video for illustrations and anime"), 180,
              image_role=ImageRole.FIRST_FRAME, aliases=("live",), cost_mptc=_MINIMAX_VIDEO_MPTC),
        Model("I2V-01-Director", frozenset({Command.ANIMATE}), Endpoint.MINIMAX_VIDEO, 5,
              N_("MiniMax image to video with camera control"), 180,
              image_role=ImageRole.FIRST_FRAME, options=camera, cost_mptc=_MINIMAX_VIDEO_MPTC),
        Model("MiniMax-Hailuo-02", frozenset({Command.VIDEO, Command.ANIMATE}),
              Endpoint.MINIMAX_VIDEO, 5, N_("MiniMax Hailuo-02, 6 or 10 s up to 1080P"), 240,
              image_role=ImageRole.FIRST_FRAME,
              options={"duration": _DURATIONS, "resolution": _HAILUO_RESOLUTIONS, **camera},
              defaults={"duration": "6", "resolution": "768P"},
              accepts_webp=True, aliases=("hailuo-02", "hailuo"), cost_mptc=_MINIMAX_VIDEO_MPTC,
              last_frame=True),
    ]


# Text-to-image models of the unified /302/image/generate interface, from its model table.
_UNIFIED = {
    "stable-v1-t2i": ("Stability.ai v1", ()),
    "stable-sd2-t2i": ("Stability.ai SD2", _STABILITY_RATIOS),
    "stable-sd3-ultra-t2i": ("Stability.ai SD3 Ultra", _STABILITY_RATIOS),
    "stable-sd3-t2i": ("Stability.ai SD3", _STABILITY_RATIOS),
    "stable-sd3.5-medium-t2i": ("Stability.ai SD3.5 Medium", _STABILITY_RATIOS),
    "stable-sd3.5-large-t2i": ("Stability.ai SD3.5 Large", _STABILITY_RATIOS),
    "stable-sd3-turbo-t2i": ("Stability.ai SD3 Turbo", _STABILITY_RATIOS),
    "dall-e-3-t2i": ("OpenAI DALL-E 3", ()),
    "dall-e-2-t2i": ("OpenAI DALL-E 2", ()),
    "302ai-sdxl-t2i": ("SDXL (302.AI)", ()),
    "302ai-sdxl-lora-t2i": ("SDXL LoRA (302.AI)", ()),
    "302ai-sdxl-lighting-t2i": ("SDXL Lightning (302.AI)", ()),
    "302ai-sdxl-lighting-v2-t2i": ("SDXL Lightning v2 (302.AI)", ()),
    "302ai-sd3-t2i": ("SD3 (302.AI)", ()),
    "302ai-aura-flow-t2i": ("AuraFlow (302.AI)", ()),
    "302ai-kolors-t2i": ("Kolors (302.AI)", ()),
    "302ai-sd35-large-t2i": ("SD3.5 Large (302.AI)", ()),
    "302ai-sd35-large-turbo-t2i": ("SD3.5 Large Turbo (302.AI)", ()),
    "302ai-sd35-medium-t2i": ("SD3.5 Medium (302.AI)", ()),
    "302ai-lumina-t2i": ("Lumina (302.AI)", ()),
    "302ai-omnigen-v1-t2i": ("OmniGen v1 (302.AI)", ()),
    "302ai-playground-v25-t2i": ("Playground v2.5 (302.AI)", ()),
    "302ai-lora-t2i": ("LoRA (302.AI)", ()),
    "302ai-flux-v1.1-ultra-t2i": ("Flux 1.1 Ultra (302.AI)", _FLUX_ULTRA_RATIOS),
    "302ai-flux-v1.1-pro-t2i": ("Flux 1.1 Pro (302.AI)", ()),
    "302ai-flux-pro-t2i": ("Flux Pro (302.AI)", ()),
    "302ai-flux-dev-t2i": ("Flux Dev (302.AI)", ()),
    "302ai-flux-schnell-t2i": ("Flux Schnell (302.AI)", ()),
    "302ai-flux-realism-t2i": ("Flux Realism (302.AI)", ()),
    "flux-pro-1.1-ultra-t2i": ("Flux Pro 1.1 Ultra", ()),
    "flux-pro-1.1-t2i": ("Flux Pro 1.1", ()),
    "flux-pro-t2i": ("Flux Pro", ()),
    "flux-dev-t2i": ("Flux Dev", ()),
    "ideogram-v1-t2i": ("Ideogram v1", _IDEOGRAM_RATIOS),
    "ideogram-v1-turbo-t2i": ("Ideogram v1 Turbo", _IDEOGRAM_RATIOS),
    "ideogram-v2-t2i": ("Ideogram v2", _IDEOGRAM_RATIOS),
    "ideogram-v2-turbo-t2i": ("Ideogram v2 Turbo", _IDEOGRAM_RATIOS),
    "ideogram-v2a-t2i": ("Ideogram v2a", _IDEOGRAM_RATIOS),
    "ideogram-v2a-turbo-t2i": ("Ideogram v2a Turbo", _IDEOGRAM_RATIOS),
    "recraft-v3-t2i": ("Recraft v3", ()),
    "recraft-20b-t2i": ("Recraft 20B", ()),
    "luma-t2i": ("Luma Photon", _WIDE_RATIOS),
    "luma-flash-t2i": ("Luma Photon Flash", _WIDE_RATIOS),
    "doubao-v2-t2i": ("Doubao v2.0", ()),
    "doubao-v2-l-t2i": ("Doubao v2.0 L", ()),
    "doubao-v2.1-l-t2i": ("Doubao v2.1 L", ()),
    "doubao-v3-t2i": ("Doubao v3.0", ()),
    "google-v3-t2i": ("Google Imagen 3", _WIDE_RATIOS),
    "google-v3-fast-t2i": ("Google Imagen 3 Fast", _WIDE_RATIOS),
    "minimaxi-t2i": ("MiniMax image-01 (unified interface)", _WIDE_RATIOS),
    "cogview-4-t2i": ("Zhipu CogView-4", ()),
    "cogview-4-250304-t2i": ("Zhipu CogView-4 (250304)", ()),
    "baidu-irag-t2i": ("Baidu iRAG", ()),
    "hidream-i1-full-t2i": ("HiDream i1 Full", ()),
    "hidream-i1-dev-t2i": ("HiDream i1 Dev", ()),
    "hidream-i1-fast-t2i": ("HiDream i1 Fast", ()),
}


# The text-to-image models above that 302.AI's own open-source app (302ai/302-video-generator-public,
# src/constants/image-models.ts) calls through the asynchronous /302/v2/image/generate?run_async=true:
# known to have that form. The others keep the synchronous call until 302.AI is seen to serve them
# asynchronously too; a model joins by its name here.
_ASYNC_IMAGES = frozenset({
    "dall-e-3-t2i", "302ai-sdxl-t2i", "302ai-aura-flow-t2i", "302ai-sd35-large-t2i", "302ai-sd35-large-turbo-t2i",
    "302ai-sd35-medium-t2i", "302ai-lumina-t2i", "302ai-omnigen-v1-t2i", "302ai-playground-v25-t2i",
    "302ai-flux-v1.1-ultra-t2i", "302ai-flux-v1.1-pro-t2i", "recraft-v3-t2i", "doubao-v2-t2i", "doubao-v2-l-t2i",
    "doubao-v2.1-l-t2i", "doubao-v3-t2i", "google-v3-t2i", "google-v3-fast-t2i", "minimaxi-t2i", "cogview-4-t2i",
    "cogview-4-250304-t2i", "baidu-irag-t2i", "hidream-i1-full-t2i", "hidream-i1-dev-t2i", "hidream-i1-fast-t2i",
})


# Image-to-image models of the same interface: they require `image` and take no aspect_ratio.
# Which take negative_prompt the table does not say ("only some models"); these are the ones
# whose upstream APIs document it (Stability's SD3 and SD3.5, Kolors). Stability ignores it
# for the turbo model, so it is not offered there.
_UNIFIED_I2I = {
    "stable-sd3-i2i": ("Stability.ai SD3, image to image", True),
    "stable-sd3.5-medium-i2i": ("Stability.ai SD3.5 Medium, image to image", True),
    "stable-sd3.5-large-i2i": ("Stability.ai SD3.5 Large, image to image", True),
    "stable-sd3-turbo-i2i": ("Stability.ai SD3 Turbo, image to image", False),
    "302ai-kolors-i2i": ("Kolors (302.AI), image to image", True),
}


def _image_models() -> list[Model]:
    models = [
        Model("minimaxi-image-01", frozenset({Command.IMAGE}), Endpoint.MINIMAX_IMAGE, 1,
              "MiniMax image-01", 20, options={"aspect_ratio": _MINIMAX_IMAGE_RATIOS},
              defaults={"aspect_ratio": "1:1"}, aliases=("image-01",),
              cost_mptc=_IMAGE_MPTC),
    ]
    for name, (description, ratios) in _UNIFIED.items():
        options = {"aspect_ratio": ratios} if ratios else {}
        models.append(Model(name, frozenset({Command.IMAGE}), Endpoint.UNIFIED_IMAGE, 1,
                            description, 20, options=options, cost_mptc=_IMAGE_MPTC,
                            asynchronous=name in _ASYNC_IMAGES))
    for name, (description, negative) in _UNIFIED_I2I.items():
        models.append(Model(name, frozenset({Command.IMAGE}), Endpoint.UNIFIED_IMAGE, 1, description, 20,
                            image_role=ImageRole.SOURCE, text_options=("negative_prompt",) if negative else (),
                            cost_mptc=_IMAGE_MPTC))
    return models


def default_models() -> list[Model]:
    return _video_models() + _image_models()
