"""The inbox store: an event is stored once, reported new once, and forgotten a day after it was handled."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.store.inbox import KEEP_HANDLED, Inbox, InboxEntry
from bot.store.opening import open_store


@pytest.fixture
async def db(tmp_path, backend):  # on both stores
    opened = await open_store(Settings(db_path=tmp_path / "inbox.db", **backend), exclusive=False)
    yield opened.db
    await opened.close()


async def test_a_redelivered_event_is_stored_once_and_reported_new_only_the_first_time(db):
    inbox = Inbox(db)

    first = await inbox.store("telegram", [InboxEntry(1, '{"update_id": 1}'), InboxEntry(2, '{"update_id": 2}')], 10.0)
    again = await inbox.store("telegram", [InboxEntry(2, '{"update_id": 2}'), InboxEntry(3, '{"update_id": 3}')], 11.0)

    assert first == {1, 2} and again == {3}
    assert [e.update_id for e in await inbox.unhandled("telegram")] == [1, 2, 3]


async def test_handled_events_leave_the_unhandled_list_and_are_purged_after_a_day(db):
    inbox = Inbox(db)
    await inbox.store("telegram", [InboxEntry(n, "{}") for n in (1, 2, 3)], 0.0)
    await inbox.handled("telegram", 1, 100.0)
    await inbox.handled("telegram", 2, 5000.0)

    assert [e.update_id for e in await inbox.unhandled("telegram")] == [3]
    assert await inbox.purge(now=100.0 + KEEP_HANDLED + 1) == 1  # only the one handled over a day ago
    assert not await inbox.is_handled("telegram", 1) and await inbox.is_handled("telegram", 2)
    assert await inbox.store("telegram", [InboxEntry(2, "{}")], 6000.0) == set()  # still recognised


async def test_failures_are_counted_per_event(db):
    inbox = Inbox(db)
    await inbox.store("telegram", [InboxEntry(7, "{}")], 0.0)

    assert [await inbox.failed("telegram", 7) for _ in range(3)] == [1, 2, 3]
    assert (await inbox.unhandled("telegram"))[0].failures == 3
