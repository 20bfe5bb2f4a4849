"""Checks a request for a unified video model against the parameters 302.AI's list gives it,
before anything is spent: required ones present, a list value one of its options, a range or
slider value inside min..max on its step, at most `max_num` images. Each refusal is one
sentence that names what is allowed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from bot.catalog import Model, Parameter
from bot.catalog.unified import MEDIA
from bot.clean_text import clean_text
from bot.domain.requests import Command
from bot.errors import ValidationError
from bot.i18n import TN, T

__all__ = ["check_parameters", "picture_limit"]


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _number(value: float) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _allowed(param: Parameter) -> str:
    if param.kind == "list":
        return ", ".join(_shown(o) for o in param.options)
    if param.kind in ("range", "slider"):
        return f"{_number(param.low)}–{_number(param.high)}"
    return ""


def _checked_value(model: Model, param: Parameter, value: str) -> str:
    if param.kind == "list":
        match = next((o for o in param.options if _shown(o).lower() == value.lower()), None)
        if match is None:
            raise ValidationError(T("{name} “{value}” is not available for {model}. Choose one of: {allowed}.",
                                    name=param.name, value=value, model=model.name, allowed=_allowed(param)))
        return _shown(match)
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    low, high = Decimal(str(param.low)), Decimal(str(param.high))
    step = Decimal(str(param.step)) if param.step else None
    if number is None or not number.is_finite() or not low <= number <= high or (step and (number - low) % step):
        if step:
            raise ValidationError(T("{name} “{value}” is not available for {model}: give a number from {low} "
                                    "to {high} in steps of {step}.", name=param.name, value=value, model=model.name,
                                    low=_number(param.low), high=_number(param.high), step=_number(param.step)))
        raise ValidationError(T("{name} “{value}” is not available for {model}: give a number from {low} to {high}.",
                                name=param.name, value=value, model=model.name,
                                low=_number(param.low), high=_number(param.high)))
    return _number(float(number))


def check_parameters(model: Model, raw: Mapping[str, str], *, images: int) -> dict[str, str]:
    """The options to send (defaults filled in), or a ValidationError. `images`: how many
    pictures came with the request (the first frame, then the last)."""
    options = dict(model.defaults)
    takes = [p.name for p in model.parameters if p.name not in MEDIA]
    for name, value in raw.items():
        if value is None or str(value).strip() == "":
            continue
        param = model.parameter(name)
        if param is None or name in MEDIA:
            raise ValidationError(T("{model} has no option “{name}”. Options it takes: {takes}.",
                                    model=model.name, name=name,
                                    takes=", ".join(takes) if takes else T("none besides the prompt")))
        options[name] = clean_text(str(value)) if not param.kind else _checked_value(model, param, str(value).strip())
    for param in model.parameters:
        if param.required and param.name not in MEDIA and param.name not in options:
            raise ValidationError(T("{model} needs the option {name}: choose one of: {allowed}.",
                                    model=model.name, name=param.name, allowed=_allowed(param) or "…"))
    image = model.parameter("image")
    if image is not None and image.required and images == 0:
        raise ValidationError(T("{model} makes a video from a picture: attach one and use /animate.",
                                model=model.name))
    limit = picture_limit(model)
    if images > limit:
        if limit == 0:
            raise ValidationError(T("{model} takes no picture; send the command without one.", model=model.name))
        raise ValidationError(TN("{model} takes at most {limit} picture; you sent {given}.",
                                 "{model} takes at most {limit} pictures; you sent {given}.", limit,
                                 model=model.name, limit=limit, given=images))
    return options


def picture_limit(model: Model) -> int:
    """How many pictures a request for `model` may carry: its `image` parameter's `max_num`
    (0 is none), one where 302.AI's list gives no number yet the model takes a picture, none
    where it takes none; and room for a last frame where it takes `end_image`."""
    image = model.parameter("image")
    if image is not None and image.max_num is not None:
        limit = image.max_num
    else:
        limit = 1 if image is not None or Command.ANIMATE in model.commands else 0
    if limit and model.parameter("end_image") is not None:
        limit = max(limit, 2)  # the first frame and the last
    return limit
