"""The console's Models page: every model an operator may name, with its member price and
302.AI cost (as the bot prices it), whether it is switched off (and by whom), and whether
the settings deny it (then no switch can offer it: bot.catalog.switches says why)."""

from __future__ import annotations

from dataclasses import replace

from bot.catalog import Catalog, default_models, switches
from bot.catalog.feed import pricing, shipped_entries
from bot.catalog.unified import read_models
from bot.store.video_catalog import VideoCatalogStore

__all__ = ["model_rows"]


async def model_rows(db, settings, policy) -> list[dict]:
    """One row a model: name, output, price (credits or None: no known cost), cost (mPTC),
    off (who and when, or None), denied (by REELBOT_VIDEO_MODELS)."""
    compiled = {m.name: m for m in Catalog(default_models(), settings.prices, settings.costs, unified_later=True)}
    stored = await VideoCatalogStore(db).load()
    # priced as the bot prices them, but every one of them: the page says which the settings deny
    unified, _ = read_models(stored[0] if stored else shipped_entries(), replace(pricing(settings), patterns=""))
    priced = {**{m.name: m for m in unified}, **compiled}
    off = await policy.models_off()
    off_by_name = {name.lower(): seen for name, seen in off.items()}
    rows = []
    for model in await switches.switchable_models(db, settings.video_models):
        known = priced.get(model.name)
        rows.append({"name": model.name, "output": known.output if known else "video",
                     "price": known.price if known else None, "cost_mptc": known.cost_mptc if known else None,
                     "off": off_by_name.get(model.name.lower()), "denied": model.denied})
    return rows

