"""Keeps the catalog's unified models in step with 302.AI's list.

At start and every REELBOT_CATALOG_REFRESH seconds: the list stored in the database if some
process read it from 302.AI recently enough, else a fresh read (stored for the others). When
302.AI cannot be reached, the stored list stays in use; on a first start with neither, the
snapshot shipped with reelbot (bot/catalog/video_models.json) — so the demo and an offline
start offer the unified models too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from importlib import resources
from typing import Any

from bot.catalog.lookup import Catalog
from bot.catalog.unified import Pricing, read_models
from bot.errors import Ai302Error
from bot.store.video_catalog import VideoCatalogStore

__all__ = ["CatalogFeed", "shipped_entries", "pricing"]

log = logging.getLogger(__name__)


def pricing(settings: Any) -> Pricing:
    """The operator's side of the unified models' prices, from the settings (bot.config)."""
    return Pricing(settings.costs, settings.prices, settings.price_per_ptc, settings.video_models)


def shipped_entries() -> list[dict[str, Any]]:
    text = resources.files("bot.catalog").joinpath("video_models.json").read_text("utf-8")
    return json.loads(text)["models"]


class CatalogFeed:
    def __init__(self, catalog: Catalog, client: Any, store: VideoCatalogStore, pricing: Pricing, *,
                 every: float, clock: Callable[[], float]):
        self._catalog, self._client, self._store, self._pricing = catalog, client, store, pricing
        self._every, self._clock = every, clock
        self.source = "none"  # where the list in use came from: 302.AI, database, snapshot
        self._task: asyncio.Task | None = None
        self._first = True

    async def refresh(self, *, force: bool = False) -> None:
        stored = await self._store.load()
        entries, self.source = (stored[0], "database") if stored else (None, "none")
        if force or stored is None or self._clock() - stored[1] >= self._every:
            try:
                entries = await self._client.video_models()
            except Ai302Error as err:
                log.warning("could not read 302.AI's list of video models (%s); using the %s list",
                            err.detail, "stored" if stored else "shipped")
            else:
                await self._store.save(entries, self._clock())
                self.source = "302.AI"
        if entries is None:
            entries, self.source = shipped_entries(), "snapshot"
        if unknown := self._catalog.unknown_overrides(str(e.get("model_name")) for e in entries
                                                       if isinstance(e, dict)):
            if self._first:  # at start, as a typo in the settings always was: refused
                raise ValueError(f"prices or costs given for unknown models: {', '.join(unknown)}")
            log.warning("prices or costs given for models 302.AI no longer lists: %s", ", ".join(unknown))
        self._first = False
        models, unpriced = read_models(entries, self._pricing)
        self._catalog.set_unified(models, unpriced)
        if unpriced:
            log.warning("%d video models have no known cost and are not offered: %s (set REELBOT_COSTS; "
                        "`reelbot models` lists them)", len(unpriced), ", ".join(u.name for u in unpriced))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="catalog-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run(self) -> None:
        """Refresh every `every` seconds until cancelled; a failed refresh keeps the list in use."""
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:  # the list in use stays; the next round tries again
                log.exception("refreshing the video model list failed")
