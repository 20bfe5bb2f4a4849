"""302.AI's list of unified video models (`GET /302/v2/model/video`) as reelbot's Models.

A model is offered only when its cost is known: read from `price_text` where it says, and
says only, "N PTC" per video (per call) or per second; else the operator's REELBOT_COSTS. The
member's price follows the cost (REELBOT_PRICE_PER_PTC credits per PTC, rounded up) unless
REELBOT_PRICES sets it for that model. REELBOT_VIDEO_MODELS picks which models are offered.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.catalog.lookup import Unpriced
from bot.catalog.models import Endpoint, ImageRole, Model, Parameter
from bot.domain.requests import Command

__all__ = ["Pricing", "read_price", "read_models", "offered", "MEDIA"]

log = logging.getLogger(__name__)

MEDIA = ("image", "end_image", "video")  # parameters that carry pictures or clips, not options
HIDDEN = ("vidu-template", "kling-extend")  # 302.AI's own app hides them: they need inputs of their own
_NUMBER = r"(\d+(?:\.\d+)?)\s*PTC"
_PER_VIDEO = re.compile(rf"^\s*{_NUMBER}\s*(?:/|per|每)\s*(?:video|call|generation|clip|次|个|条|视频)\s*$", re.I)
_PER_SECOND = re.compile(rf"^\s*{_NUMBER}\s*(?:/|per|每)\s*(?:s|sec|second|秒)\s*$", re.I)


def read_price(text: str) -> tuple[int, bool] | None:
    """(mPTC, per second) when `text` reads unambiguously as one PTC figure per video or per
    second ("0.35 PTC per video", "0.05 PTC/秒"); None for anything else (a range, tokens, a
    price that depends on options)."""
    for pattern, per_second in ((_PER_VIDEO, False), (_PER_SECOND, True)):
        if match := pattern.match(text or ""):
            whole, _, frac = match.group(1).partition(".")
            if len(frac) > 3:
                return None  # finer than a thousandth of a PTC: not a figure to bill by
            return int(whole) * 1000 + int((frac + "000")[:3]), per_second
    return None


def offered(name: str, patterns: str) -> bool:
    """REELBOT_VIDEO_MODELS: comma-separated glob patterns; `!pattern` denies. Empty offers all;
    with only denials, all but those; a model must match an allow and no deny."""
    parts = [p.strip().lower() for p in patterns.split(",") if p.strip()]
    allows = [p for p in parts if not p.startswith("!")]
    denies = [p[1:] for p in parts if p.startswith("!")]
    name = name.lower()
    if any(fnmatch.fnmatchcase(name, d) for d in denies):
        return False
    return not allows or any(fnmatch.fnmatchcase(name, a) for a in allows)


@dataclass(frozen=True)
class Pricing:
    """The operator's side: costs (mPTC) and prices (credits) by model name, the rule for the
    rest, and which models are offered."""

    costs: Mapping[str, int]
    prices: Mapping[str, int]
    price_per_ptc: int = 10
    patterns: str = ""

    def named(self, values: Mapping[str, int], name: str) -> int | None:
        return next((v for k, v in values.items() if k.strip().lower() == name.lower()), None)


def _parameter(raw: Any) -> Parameter | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return None
    spec = raw.get("range") if isinstance(raw.get("range"), dict) else {}
    kind = spec.get("type") if spec.get("type") in ("list", "range", "slider") else ""
    options, low = (), None
    high = step = None
    if kind == "list":
        options = tuple((spec.get("list") or {}).get("options") or ())
        if not options:
            kind = ""
    elif kind:
        bounds = spec.get("range") or {}
        low, high, step = (bounds.get(k) for k in ("min", "max", "step"))
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
            kind, low, high, step = "", None, None, None  # no bounds to check against: free
    max_num = raw.get("max_num") if isinstance(raw.get("max_num"), int) else None
    return Parameter(raw["name"], bool(raw.get("required")), kind, options, low, high,
                     step if isinstance(step, int | float) and step > 0 else None, max_num)


def _v2v(caps: Mapping[str, Any], name: str) -> bool:
    return bool(caps.get("v2v")) or name.endswith("-v2v")


def _commands(caps: Mapping[str, Any], name: str) -> frozenset[Command]:
    # the -t2v / -i2v / -v2v suffixes say the mode where the capabilities are silent; video to
    # video is /video with a clip attached
    t2v = bool(caps.get("t2v")) or name.endswith("-t2v") or _v2v(caps, name)
    i2v = bool(caps.get("i2v")) or name.endswith("-i2v")
    return frozenset(({Command.VIDEO} if t2v else set()) | ({Command.ANIMATE} if i2v else set()))


def _defaults(parameters: Iterable[Parameter]) -> dict[str, str]:
    """The duration a per-second price counts when the member gives none: the shortest offered."""
    for p in parameters:
        if p.name == "duration" and p.kind == "list":
            return {"duration": str(min(p.options, key=lambda v: float(v)))}
        if p.name == "duration" and p.low is not None:
            return {"duration": str(p.low)}
    return {}


def read_models(entries: Iterable[Mapping[str, Any]], pricing: Pricing) -> tuple[list[Model], list[Unpriced]]:
    """The models offered and the unpriced ones, from 302.AI's list entries (odd entries skipped)."""
    models, unpriced = [], []
    for entry in entries:
        name = entry.get("model_name")
        if not isinstance(name, str) or not name or name in HIDDEN or not offered(name, pricing.patterns):
            continue
        caps = entry.get("capabilities") if isinstance(entry.get("capabilities"), dict) else {}
        commands = _commands(caps, name)
        if not commands:
            continue  # no mode reelbot knows
        parameters = tuple(p for p in map(_parameter, entry.get("parameters") or []) if p)
        price_text = str(entry.get("price_text_en") or entry.get("price_text") or "")
        read = read_price(str(entry.get("price_text_en") or "")) or read_price(str(entry.get("price_text") or ""))
        operator_cost = pricing.named(pricing.costs, name)
        if operator_cost is not None:
            # the operator's figure wins; per second when 302.AI's own wording is per second
            read = (operator_cost, read[1] if read else False)
        display = str(entry.get("display_name") or name)
        if read is None:
            unpriced.append(Unpriced(name, display, price_text, commands))
            continue
        cost, per_second = read
        price = pricing.named(pricing.prices, name)
        defaults = _defaults(parameters)
        model = Model(
            name, commands, Endpoint.UNIFIED_VIDEO, price if price is not None else 0,
            str(entry.get("description_en") or entry.get("description") or display), 240,
            image_role=ImageRole.FIRST_FRAME if Command.ANIMATE in commands else ImageRole.NONE,
            defaults=defaults, accepts_webp=True,
            text_options=tuple(p.name for p in parameters if not p.kind and p.name not in MEDIA),
            cost_mptc=cost, parameters=parameters, price_text=price_text, per_second=per_second,
            price_per_ptc=None if price is not None else pricing.price_per_ptc,
            provider=str(entry.get("provider") or ""),
            last_frame=any(p.name == "end_image" for p in parameters), takes_video=_v2v(caps, name),
            needs_video=_v2v(caps, name) and (not (caps.get("t2v") or name.endswith("-t2v"))
                                              or any(p.name == "video" and p.required for p in parameters)))
        # `price` is what a member pays with the default options, whichever rule sets it
        models.append(model if price is not None else replace(model, price=model.price_for({})))
    return models, unpriced
