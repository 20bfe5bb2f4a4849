"""The stored list of 302.AI's video models, on both backends: what a start reads from 302.AI
is kept, a unified model's job runs on either store, and an older read never replaces a newer."""

from __future__ import annotations

from bot.store.video_catalog import VideoCatalogStore
from tests.conftest import RecordingMessenger
from tests.core.helpers import ledger_balances, request


async def test_the_list_read_at_start_is_stored_and_a_unified_job_is_delivered(make_core, backend, simulator):
    core = await make_core(**backend)
    messenger = RecordingMessenger()
    core.register("test", messenger)
    await core.start()

    stored = await VideoCatalogStore(core._store._db).load()
    ticket = await core.submit(request("video", "a fox", model="sora-2", duration="8"))
    await core.wait_idle()

    assert stored is not None and {m["model_name"] for m in stored[0]} == {
        m["model_name"] for m in simulator.unified.models}
    assert [j for j, _ in messenger.delivered] == [ticket.job_id]
    assert await ledger_balances(core)


async def test_an_older_read_arriving_late_does_not_replace_a_newer_one(make_core, backend):
    core = await make_core(**backend)
    store = VideoCatalogStore(core._store._db)

    await store.save([{"model_name": "newer"}], fetched_at=4_000_000_000.0)
    await store.save([{"model_name": "older"}], fetched_at=3_999_999_000.0)

    assert await store.load() == ([{"model_name": "newer"}], 4_000_000_000.0)
