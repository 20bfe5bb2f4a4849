"""`reelbot models`: every video model 302.AI lists, with its own price wording beside the cost
and price in effect, and whether members can use it — so an operator sees at a glance which
models wait for a cost (REELBOT_COSTS) before the bot will run them.

The list is the one the bot uses: stored in the database (the last read from 302.AI), or the
shipped snapshot when there is none yet; `--refresh` reads 302.AI now (and stores it).
"""

from __future__ import annotations

import time
from typing import Any

from bot.ai302.client import Ai302Client
from bot.catalog import Catalog, default_models
from bot.catalog.feed import CatalogFeed, pricing, shipped_entries
from bot.catalog.unified import HIDDEN, offered, read_models
from bot.config import Settings
from bot.domain.money import ptc_text
from bot.store.opening import NoDatabase, open_store
from bot.store.video_catalog import VideoCatalogStore

__all__ = ["add_parser", "models_command", "rows"]


def add_parser(sub, where) -> None:
    models = sub.add_parser("models", parents=[where], help="list 302.AI's video models with the cost and "
                            "price in effect; unpriced ones are refused to members until REELBOT_COSTS names them")
    models.add_argument("--refresh", action="store_true", help="read 302.AI's list now (needs AI302_API_KEY)")


def rows(entries: list[dict[str, Any]], settings: Settings) -> list[tuple[str, str, str, str, str, str]]:
    """(model, commands, 302.AI's price_text, cost in effect, price in effect, status) per model."""
    rules = pricing(settings)
    table = []
    for entry in entries:
        name = str(entry.get("model_name") or "")
        text = str(entry.get("price_text_en") or entry.get("price_text") or "")
        if not name:
            continue
        if name in HIDDEN:
            table.append((name, "", text, "", "", "hidden (needs inputs reelbot does not ask for)"))
            continue
        if not offered(name, rules.patterns):
            table.append((name, "", text, "", "", "not offered (REELBOT_VIDEO_MODELS)"))
            continue
        [*models], [*unpriced] = read_models([entry], rules)
        if unpriced:
            commands = ",".join(sorted(f"/{c}" for c in unpriced[0].commands))
            table.append((name, commands, text, "?", "?", "UNPRICED: refused to members; set REELBOT_COSTS"))
        elif models:
            model = models[0]
            unit = " /s" if model.per_second else ""
            seconds = model.defaults.get("duration")
            # a video-to-video model without a duration is priced per second of the member's clip
            per = (f" ({seconds} s)" if seconds else " per s of video") if model.per_second else ""
            price = f"{model.price_for({})} credits{per}"
            table.append((name, ",".join(sorted(f"/{c}" for c in model.commands)), text,
                          f"{ptc_text(model.cost_mptc)} PTC{unit}", price, "offered"))
        else:
            table.append((name, "", text, "", "", "no mode reelbot knows: no command"))
    return table


async def _entries(settings: Settings, refresh: bool) -> tuple[list[dict[str, Any]], str]:
    try:
        opened = await open_store(settings, exclusive=False, create=refresh)
    except NoDatabase:
        return shipped_entries(), "the shipped snapshot (no database yet)"
    try:
        store = VideoCatalogStore(opened.db)
        if refresh:
            async with Ai302Client(settings.base_url, settings.api_key) as client:
                feed = CatalogFeed(Catalog(default_models(), settings.prices, settings.costs, unified_later=True),
                                   client, store, pricing(settings), every=settings.catalog_refresh, clock=time.time)
                await feed.refresh(force=True)
        stored = await store.load()
    finally:
        await opened.close()
    if stored is None:
        return shipped_entries(), "the shipped snapshot (302.AI's list not read yet)"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stored[1]))
    return stored[0], f"302.AI's list as read at {when}"


async def models_command(args, settings: Settings, env) -> int:
    entries, source = await _entries(settings, args.refresh)
    table = [("MODEL", "COMMANDS", "302.AI SAYS", "COST", "PRICE", "STATUS"), *rows(entries, settings)]
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    print(f"Video models from {source}:")
    for row in table:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])
    unpriced = sum(1 for r in table[1:] if r[5].startswith("UNPRICED"))
    if unpriced:
        print(f"\n{unpriced} model(s) have no known cost: REELBOT_COSTS=name=PTC (per second where 302.AI "
              "prices per second) lets the bot run them.")
    return 0
