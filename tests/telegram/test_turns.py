"""The FloodGate's turns: a command's answer goes before status edits and results waiting
for a free connection, and a caller that gives up never keeps a turn."""

from __future__ import annotations

import asyncio

from adapters.telegram.flood import Turns


async def test_waiters_marked_first_go_before_the_others_each_in_arrival_order():
    turns, order = Turns(1), []
    await turns.acquire()  # the only turn is taken: everyone below waits

    async def call(name: str, first: bool) -> None:
        await turns.acquire(first=first)
        order.append(name)
        turns.release()

    waiting = [asyncio.create_task(call(name, first)) for name, first in
               [("edit 1", False), ("answer 1", True), ("result", False), ("answer 2", True)]]
    await asyncio.sleep(0)  # all of them queue
    turns.release()
    await asyncio.gather(*waiting)
    assert order == ["answer 1", "answer 2", "edit 1", "result"]


async def test_a_cancelled_waiter_leaves_no_turn_taken():
    turns = Turns(1)
    await turns.acquire()
    gives_up = asyncio.create_task(turns.acquire())
    waits = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    gives_up.cancel()
    turns.release()  # passes over the cancelled waiter to the next one
    await asyncio.wait_for(waits, 1)
    turns.release()
    await asyncio.wait_for(turns.acquire(), 1)  # and the turn is free again afterwards


async def test_a_turn_handed_over_just_as_its_waiter_is_cancelled_is_passed_on():
    turns = Turns(1)
    await turns.acquire()
    unlucky = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    turns.release()  # unlucky's turn is set, but it has not run yet
    unlucky.cancel()
    await asyncio.gather(unlucky, return_exceptions=True)
    await asyncio.wait_for(turns.acquire(), 1)  # the turn was passed on, not lost


async def test_growing_lets_waiters_in_at_once():
    turns, served = Turns(1), []
    await turns.acquire()

    async def call(n: int) -> None:
        await turns.acquire()
        served.append(n)

    waiting = [asyncio.create_task(call(n)) for n in range(3)]
    await asyncio.sleep(0)
    turns.resize(4)  # three more turns: every waiter gets one while the first is still held
    await asyncio.wait_for(asyncio.gather(*waiting), 1)
    assert sorted(served) == [0, 1, 2]


async def test_shrinking_takes_surplus_turns_back_as_their_calls_end():
    turns = Turns(3)
    for _ in range(3):
        await turns.acquire()
    turns.resize(1)
    late = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)  # it waits
    turns.release()
    turns.release()  # two turns went back: still one held, the size is one
    await asyncio.sleep(0)
    assert not late.done()
    turns.release()
    await asyncio.wait_for(late, 1)


async def test_resizing_up_and_down_under_waiters_serves_every_waiter_exactly_once_within_the_size():
    turns = Turns(2)
    served: list[int] = []
    holding, let_in_over_the_size = [0], []
    sizes = [2, 2]  # the size before the last resize, and now: a turn handed out just before a
    # shrink may be taken up just after it

    async def call(n: int) -> None:
        await turns.acquire(first=n % 3 == 0)
        if holding[0] >= max(sizes[-2:]):  # a turn given while every one was taken already
            let_in_over_the_size.append(n)
        holding[0] += 1
        served.append(n)
        await asyncio.sleep(0)
        holding[0] -= 1
        turns.release()

    waiting = [asyncio.create_task(call(n)) for n in range(60)]
    for size in (5, 1, 8, 2, 3, 1, 6):
        await asyncio.sleep(0)
        turns.resize(size)
        sizes.append(size)
    await asyncio.wait_for(asyncio.gather(*waiting), 5)
    assert sorted(served) == list(range(60))
    # a shrink lets nobody new in until the calls holding turns are within the new size
    assert let_in_over_the_size == []
    for _ in range(6):  # all turns came back: the size is free again, no more
        await asyncio.wait_for(turns.acquire(), 1)
    extra = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    assert not extra.done()
    extra.cancel()
