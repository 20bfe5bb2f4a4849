"""Telegram's message budget on a clock of the test's own: waiters served by what they carry,
progress dropped first, never more than a window allows."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from adapters.telegram.budget import FINAL, PROGRESS, REPLY, RESULT, Budget, Dropped
from tests.conftest import wait_for

PRIVATE, GROUP = 42, -100123


class Clock:
    """Time that passes only when the budget sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def budget(clock: Clock, *, per_second: float = 100, group_per_minute: float = 20) -> Budget:
    return Budget(per_second=per_second, group_per_minute=group_per_minute, clock=clock, sleep=clock.sleep)


async def served_in_order(b: Budget, chat: int, kinds: list[str]) -> list[str]:
    order: list[str] = []

    async def one(kind: str) -> None:
        await b.take(chat, kind)
        order.append(kind)

    tasks = [asyncio.create_task(one(kind)) for kind in kinds]
    await asyncio.gather(*tasks)
    return order


async def test_in_a_private_chat_replies_go_first_then_results_then_final_states_then_progress():
    clock = Clock()
    b = budget(clock, per_second=1)
    await b.take(PRIVATE, REPLY)  # the second's only message is spent: everyone below waits

    order = await served_in_order(b, PRIVATE, [PROGRESS, FINAL, RESULT, REPLY, RESULT])

    assert order == [REPLY, RESULT, RESULT, FINAL, PROGRESS]


async def test_in_a_group_results_go_before_replies_and_final_states():
    clock = Clock()
    b = budget(clock, group_per_minute=1)
    await b.take(GROUP, REPLY)  # the group's minute is spent

    order = await served_in_order(b, GROUP, [FINAL, REPLY, RESULT, REPLY, RESULT])

    assert order == [RESULT, RESULT, REPLY, REPLY, FINAL]


async def test_in_a_group_short_of_budget_progress_is_dropped_at_once():
    clock = Clock()
    b = budget(clock, group_per_minute=20)
    for _ in range(15):  # 5 left: the quarter kept for results
        await b.take(GROUP, RESULT)

    with pytest.raises(Dropped):
        await b.take(GROUP, PROGRESS, replaces=("g", "1"))
    assert clock.now == 1000.0  # it did not wait


async def test_in_a_group_with_budget_to_spare_progress_goes():
    clock = Clock()
    b = budget(clock, group_per_minute=20)

    await b.take(GROUP, PROGRESS, replaces=("g", "1"))

    assert b.spare(GROUP) == 19


async def test_a_newer_progress_edit_of_a_message_replaces_the_older_one_waiting():
    clock = Clock()
    b = budget(clock, per_second=1)
    await b.take(PRIVATE, REPLY)
    older = asyncio.create_task(b.take(PRIVATE, PROGRESS, replaces=("42", "7")))
    await asyncio.sleep(0)

    newer = asyncio.create_task(b.take(PRIVATE, PROGRESS, replaces=("42", "7")))

    with pytest.raises(Dropped):
        await older
    await newer  # and the newer one goes


async def test_a_group_never_gets_more_than_its_messages_in_any_minute():
    clock = Clock()
    b = budget(clock, group_per_minute=20)
    times: list[float] = []

    async def one(kind: str) -> None:
        grant = await b.take(GROUP, kind)
        grant.sent()
        times.append(clock.now)

    await asyncio.gather(*(one(RESULT if i % 2 else REPLY) for i in range(50)))

    times.sort()
    assert all(later - earlier >= 60 for earlier, later in zip(times, times[20:]))
    assert times[-1] - times[0] < 3 * 61.2  # and it does not wait longer than the windows ask


async def test_a_call_counts_from_when_it_leaves_not_from_when_it_was_granted():
    clock = Clock()
    b = budget(clock, per_second=1)
    grant = await b.take(PRIVATE, REPLY)
    clock.now += 0.5  # it waited for a free connection
    grant.sent()

    await b.take(PRIVATE, REPLY)

    assert clock.now >= 1000.5 + 1.0


async def test_a_waiter_that_gives_up_holds_no_grant():
    clock = Clock()
    b = budget(clock, per_second=1)
    await b.take(PRIVATE, REPLY)
    gives_up = asyncio.create_task(b.take(PRIVATE, REPLY))
    waits = asyncio.create_task(b.take(PRIVATE, RESULT))
    await asyncio.sleep(0)
    gives_up.cancel()

    await asyncio.wait_for(waits, 5)

    assert clock.now < 1000 + 2.1  # the next second's message went to the one still waiting


async def test_a_quiet_group_does_not_wait_behind_a_busy_one():
    clock = Clock()
    b = budget(clock, group_per_minute=1)
    await b.take(GROUP, RESULT)
    busy = asyncio.create_task(b.take(GROUP, RESULT))
    await asyncio.sleep(0)

    await b.take(-100999, REPLY)

    assert clock.now == 1000.0 and not busy.done()
    busy.cancel()


async def test_commands_asking_at_once_are_promised_only_the_room_the_group_has():
    clock = Clock()
    b = budget(clock, group_per_minute=20)
    with contextlib.ExitStack() as held:
        rooms = [held.enter_context(b.promise(GROUP)) for _ in range(30)]

    assert rooms.count(True) == 15  # the last 5 are kept for results
    assert b.spare(GROUP) == 20  # and the promises end with their blocks


async def test_closing_the_budget_cancels_the_calls_still_waiting():
    never = asyncio.Event()  # time stands still: the call waits until the budget closes
    b = Budget(per_second=100, group_per_minute=1, clock=lambda: 1000.0, sleep=lambda seconds: never.wait())
    await b.take(GROUP, RESULT)
    waiting = asyncio.create_task(b.take(GROUP, RESULT))
    await wait_for(lambda: b.spare(GROUP) < 0, what="the call to wait")

    await b.close()

    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_the_windows_of_groups_quiet_for_a_whole_window_are_forgotten_and_one_still_counting_is_kept():
    clock = Clock()
    b = budget(clock, per_second=10_000, group_per_minute=2)
    for n in range(1, 1_000):
        await b.take(-300_000 - n, REPLY)  # a thousand groups, one message each
    kept_under_load = len(b._groups)
    clock.now += 30
    await b.take(-400_000, REPLY)
    clock.now += 33  # the thousand groups' messages left the window (60 s and its slack); the newest is 33 s old
    for n in range(1, 600):
        await b.take(-500_000 - n, REPLY)
    assert kept_under_load == 999  # looked for idle ones as the count doubled, none was idle yet
    assert -300_001 not in b._groups and -400_000 in b._groups
    assert len(b._groups) < 1_000
    # a forgotten window is a fresh one; the one still counting holds its group to its limit
    assert b.spare(-300_001) == 2 and b.spare(-400_000) == 1
