"""Autocomplete for /video and /animate over the live catalog: the models (MiniMax and 302.AI's
unified ones) filtered by what the member typed and by the mode, and the values the model
chosen so far takes for duration, resolution and aspect ratio. It reads the catalog as it is
at that moment, so a model 302.AI adds or removes shows up without re-syncing the commands."""

from __future__ import annotations

from decimal import Decimal

from discord import app_commands

from bot.catalog import Catalog, Model
from bot.domain.requests import Command
from bot.errors import ValidationError
from bot.i18n import T, Text
from bot.texts import credits_text
from bot.unified_options import check_parameters
from bot.validation import check_options

__all__ = ["video_model_choices", "value_choices", "MAX_CHOICES"]

MAX_CHOICES = 25  # Discord shows at most 25 suggestions
_NAME_LIMIT = 100


def _clip(text: str) -> str:
    return text if len(text) <= _NAME_LIMIT else text[:99] + "…"


def _label(model: Model) -> Text:
    price = credits_text(model.price_for({}))
    if model.provider:
        return T("{model} — {provider}, {price}", model=model.name, provider=model.provider, price=price)
    return T("{model} — {description}, {price}", model=model.name, description=Text(model.description), price=price)


def video_model_choices(catalog: Catalog, command: Command, current: str) -> list[app_commands.Choice[str]]:
    """The models of `command` (text: /video, image: /animate) matching `current`, priced."""
    choices = []
    for model in catalog.search(command, current, limit=MAX_CHOICES):
        text = _label(model)
        choices.append(app_commands.Choice(name=app_commands.locale_str(_clip(str(text)), text=text),
                                           value=model.name))
    return choices


def _values(model: Model, option: str) -> list[str]:
    """What `model` takes for `option`: its list, the steps of its range, or the compiled options."""
    param = model.parameter(option)
    if param is None:
        return list(model.options.get(option, ()))
    if param.kind == "list":
        return [str(v).lower() if isinstance(v, bool) else str(v) for v in param.options]
    if param.kind in ("range", "slider") and param.low is not None and param.high is not None:
        low, high = Decimal(str(param.low)), Decimal(str(param.high))
        step = Decimal(str(param.step or 1))
        count = min(MAX_CHOICES, int((high - low) / step) + 1)
        return [f"{(low + i * step).normalize():f}" for i in range(count)]
    return []


def _accepted(model: Model, command: Command, option: str, value: str) -> bool:
    """Whether the core takes `value` there (512P, say, only where a first frame comes with it)."""
    try:
        if model.parameters:
            check_parameters(model, {option: value}, images=int(command is Command.ANIMATE))
        else:
            check_options(model, command, {option: value})
    except ValidationError:
        return False
    return True


def value_choices(catalog: Catalog, command: Command, model_name: str | None, option: str,
                  current: str) -> list[app_commands.Choice[str]]:
    """The values of `option` the model chosen so far takes (the command's default model when none
    or a half-typed one is chosen), filtered by what was typed."""
    try:
        model = catalog.resolve(command, model_name)
    except ValidationError:
        model = catalog.default(command)
    needle = current.strip().lower()
    values = [v for v in _values(model, option) if needle in v.lower() and _accepted(model, command, option, v)]
    if option == "duration":  # "10 seconds", in the member's language
        return [app_commands.Choice(name=app_commands.locale_str(v, text=T("{seconds} seconds", seconds=v)), value=v)
                for v in values[:MAX_CHOICES]]
    return [app_commands.Choice(name=_clip(v), value=v) for v in values[:MAX_CHOICES]]
