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


async def test_a_claimed_event_is_claimed_by_no_other_receiver_until_its_claim_lapses(db):
    inbox = Inbox(db)
    await inbox.store("telegram", [InboxEntry(1, "{}")], 0.0, claim=("receiver-a", 100.0))

    assert await inbox.claim("telegram", 1, "receiver-b", 50.0, 150.0) is None  # a is still on it
    assert await inbox.unhandled("telegram", now=50.0) == []  # nothing for b's sweep
    assert await inbox.renew("telegram", "receiver-a", [1], 200.0) == 1
    assert await inbox.claim("telegram", 1, "receiver-b", 150.0, 250.0) is None  # renewed
    taken = await inbox.claim("telegram", 1, "receiver-b", 200.0, 300.0)  # a died: its claim lapsed
    assert taken is not None and taken.update_id == 1
    assert await inbox.renew("telegram", "receiver-a", [1], 400.0) == 0  # a's claim is gone


async def test_the_one_receiver_of_a_store_takes_a_held_claim_over_at_its_start(db):
    inbox = Inbox(db)
    await inbox.store("telegram", [InboxEntry(1, "{}")], 0.0, claim=("dead-process", 100.0))

    assert await inbox.claim("telegram", 1, "restarted", 10.0, 110.0, take_over=True) is not None
    await inbox.handled("telegram", 1, 20.0)
    assert await inbox.claim("telegram", 1, "anyone", 500.0, 600.0, take_over=True) is None  # handled


async def test_a_failed_event_waits_out_its_backoff_and_a_parked_one_is_never_tried_again(db):
    inbox = Inbox(db)
    await inbox.store("telegram", [InboxEntry(1, "{}"), InboxEntry(2, "{}")], 0.0, claim=("a", 100.0))

    assert await inbox.failed("telegram", 1, retry_at=30.0) == 1
    assert await inbox.claim("telegram", 1, "a", 29.0, 129.0) is None  # not even its own receiver
    assert [e.update_id for e in await inbox.unhandled("telegram", now=30.0)] == [1]
    assert (await inbox.claim("telegram", 1, "b", 30.0, 130.0)).failures == 1

    await inbox.park("telegram", 2, 40.0)
    assert await inbox.claim("telegram", 2, "b", 1000.0, 1100.0, take_over=True) is None
    assert [e.update_id for e in await inbox.unhandled("telegram")] == [1]
    assert [e.update_id for e in await inbox.parked("telegram")] == [2]
    assert await inbox.purge(now=10 * KEEP_HANDLED) == 0  # a parked event is kept for the operator


async def test_a_receiver_restarted_under_its_name_finds_its_own_claims_at_once(db):
    inbox = Inbox(db)
    await inbox.store("telegram", [InboxEntry(1, "{}")], 0.0, claim=("worker-1", 100.0))

    assert await inbox.unhandled("telegram", now=10.0, mine="worker-2") == []
    assert [e.update_id for e in await inbox.unhandled("telegram", now=10.0, mine="worker-1")] == [1]
    assert await inbox.claim("telegram", 1, "worker-1", 10.0, 110.0) is not None
