"""The catalog 302.AI feeds: stored for every process and restart, a shipped snapshot when
302.AI is out of reach, and a model 302.AI removes takes no new requests while its running
jobs finish."""

from __future__ import annotations

import copy
import time

import pytest

from bot.catalog.feed import CatalogFeed, pricing, shipped_entries
from bot.store.video_catalog import VideoCatalogStore
from bot.catalog.unified import Pricing, offered, read_models, read_price
from bot.domain.requests import Command
from bot.errors import ValidationError
from tests.conftest import RecordingMessenger, wait_for
from tests.core.helpers import request


@pytest.mark.parametrize("text, reading", [
    ("0.35 PTC per video", (350, False)),
    ("0.056 PTC per second", (56, True)),
    ("0.05 PTC/秒", (50, True)),
    ("3.2 PTC / 次", (3200, False)),
    ("0.3-0.5 PTC per second depending on resolution", None),
    ("billed by tokens", None),
    ("0.0001 PTC per video", None),
])
def test_price_text_is_read_only_when_it_says_one_ptc_figure_per_video_or_second(text, reading):
    assert read_price(text) == reading


def test_allow_and_deny_patterns_pick_the_offered_models():
    patterns = "kling-*,google-veo3*,!*-pro"
    assert offered("kling-21", patterns) and offered("google-veo3-fast", patterns)
    assert not offered("kling-21-pro", patterns) and not offered("sora-2", patterns)
    assert offered("sora-2", "") and not offered("sora-2-pro", "!*-pro")


def test_the_shipped_snapshot_offers_a_dozen_models_across_families_and_hides_what_302ai_hides():
    models, unpriced = read_models(shipped_entries(), Pricing({}, {}))
    families = {m.name.split("-")[0] for m in models}
    assert len(models) >= 12 and {"kling", "google", "sora", "pixverse", "vidu", "runway", "luma"} <= families
    assert unpriced and all(m.name not in ("vidu-template", "kling-extend") for m in models)


async def test_the_list_read_at_start_is_stored_and_a_restart_without_302ai_still_has_it(make_core, simulator, tmp_path):
    simulator.unified.models.append({**copy.deepcopy(simulator.unified.model("pixverse-v5")),
                                     "model_name": "pixverse-v6"})
    first = await make_core()
    assert "pixverse-v6" in {m.name for m in first.catalog.unified()}
    await first.stop()

    simulator.configure(api_key="another-key")  # 302.AI now refuses us: nothing new can be read
    second = await make_core(catalog_refresh=0.0)  # and the stored list counts as stale
    assert "pixverse-v6" in {m.name for m in second.catalog.unified()}


async def test_a_first_start_that_cannot_reach_302ai_offers_the_shipped_snapshot(make_core, simulator):
    simulator.configure(api_key="another-key")
    core = await make_core()
    assert {m.name for m in core.catalog.unified()} >= {"kling-21", "google-veo3", "sora-2"}


async def test_a_removed_model_takes_no_new_requests_while_its_running_job_finishes(make_core, simulator):
    core = await make_core()
    messenger = RecordingMessenger()
    core.register("test", messenger)
    await core.start()
    ticket = await core.submit(request("video", "a fox [sim:slow=1]", model="luma-video"))
    await wait_for(lambda: bool(simulator.billed), what="the paid create")

    simulator.unified.models = [m for m in simulator.unified.models if m["model_name"] != "luma-video"]
    simulator.unified.models.append({**copy.deepcopy(simulator.unified.model("vidu-q1")), "model_name": "vidu-q2"})
    await core_feed_refresh(core)

    with pytest.raises(ValidationError) as refused:
        await core.submit(request("video", "another fox", model="luma-video"))
    assert "no longer offered" in str(refused.value)
    assert "vidu-q2" in {m.name for m in core.catalog.unified()}
    await core.wait_idle()
    assert [j for j, _ in messenger.delivered] == [ticket.job_id] and not messenger.failures


async def core_feed_refresh(core) -> None:
    """The refresh the feed runs every REELBOT_CATALOG_REFRESH seconds, run now."""
    feed = CatalogFeed(core.catalog, core._client, VideoCatalogStore(core._store._db), pricing(core.settings),
                       every=3600, clock=time.time)
    await feed.refresh(force=True)


def test_a_unified_entry_named_like_a_minimax_model_leaves_the_minimax_model_as_it_is():
    from bot.catalog import Catalog, Endpoint, default_models

    catalog = Catalog(default_models())
    entry = {**copy.deepcopy(shipped_entries()[0]), "model_name": "MiniMax-Hailuo-02"}
    catalog.set_unified(*read_models([entry], Pricing({}, {})))
    catalog.set_unified([], [])

    assert catalog.get("MiniMax-Hailuo-02").endpoint is Endpoint.MINIMAX_VIDEO
    assert catalog.resolve(Command.VIDEO, "hailuo").name == "MiniMax-Hailuo-02"
