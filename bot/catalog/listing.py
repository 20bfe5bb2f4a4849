"""What `/models` shows members, a page at a time: every video model offered (MiniMax and
302.AI's unified ones), its price in credits, the commands it answers and the options it
takes. Both platforms render these pages; only their buttons differ."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.lookup import Catalog
from bot.catalog.models import Model
from bot.catalog.unified import MEDIA
from bot.domain.requests import Command
from bot.i18n import T, TN, Joined, Text

__all__ = ["ModelsPage", "models_page", "PER_PAGE"]

PER_PAGE = 8


@dataclass(frozen=True)
class ModelsPage:
    text: Joined
    page: int  # 0-based, clamped to the pages there are
    pages: int


def _takes(model: Model) -> str:
    names = [p.name for p in model.parameters if p.name not in MEDIA] if model.parameters else list(model.options)
    if model.last_frame:  # a second picture: the last frame (MiniMax's Hailuo-02 too)
        names.append("end_image")
    if model.takes_video:  # video to video: /video with a clip
        names.append("video")
    return ", ".join(names + list(t for t in model.text_options if t not in names))


def _line(model: Model) -> Text:
    price = model.price_for({})
    commands = " ".join(f"/{c}" for c in (Command.VIDEO, Command.ANIMATE) if c in model.commands)
    per = (T("{price} for {seconds} s", price=TN("{n} credit", "{n} credits", price),
             seconds=model.defaults.get("duration", "1")) if model.per_second
           else TN("{n} credit", "{n} credits", price))
    takes = _takes(model)
    if takes:
        return T("• {model}: {price}; {commands}; options: {options}", model=model.name, price=per,
                 commands=commands, options=takes)
    return T("• {model}: {price}; {commands}", model=model.name, price=per, commands=commands)


def models_page(catalog: Catalog, page: int) -> ModelsPage:
    seen: dict[str, Model] = {}
    for command in (Command.VIDEO, Command.ANIMATE):
        for model in catalog.offered(command):
            seen.setdefault(model.name, model)
    models = list(seen.values())
    pages = max(1, -(-len(models) // PER_PAGE))
    page = min(max(0, page), pages - 1)
    lines: list[Text | str] = [T("Video models (page {page} of {pages}):", page=page + 1, pages=pages)]
    lines += [_line(m) for m in models[page * PER_PAGE:(page + 1) * PER_PAGE]]
    lines.append(T("Choose one with --model=NAME (Telegram) or the model option (Discord)."))
    return ModelsPage(Joined(lines), page, pages)
