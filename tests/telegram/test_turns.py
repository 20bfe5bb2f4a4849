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
