"""The intake's door: ADMITTED requests at once, the rest in arrival order; a request
cancelled while waiting, or while being let in, gives its place to the next."""

from __future__ import annotations

import asyncio

from bot.admission import Door
from tests.conftest import wait_for


async def test_requests_past_the_door_size_wait_and_enter_in_arrival_order():
    door = Door(2)
    first, second = await door.enter(), await door.enter()
    entered: list[int] = []

    async def enter(n: int) -> None:
        turn = await door.enter()
        entered.append(n)
        turn.release()

    waiting = [asyncio.create_task(enter(n)) for n in range(5)]
    await wait_for(lambda: door.waiting == 5, what="all five at the door")
    assert entered == []
    first.release()
    first.release()  # a turn is given back once only
    second.release()
    await asyncio.gather(*waiting)
    assert entered == [0, 1, 2, 3, 4]


async def test_a_request_cancelled_at_the_door_passes_its_place_on():
    door = Door(1)
    held = await door.enter()
    cancelled_waiting = asyncio.create_task(door.enter())
    let_in_then_cancelled = asyncio.create_task(door.enter())
    last = asyncio.create_task(door.enter())
    await wait_for(lambda: door.waiting == 3, what="three at the door")
    cancelled_waiting.cancel()  # leaves before its turn
    await asyncio.gather(cancelled_waiting, return_exceptions=True)
    held.release()  # hands the place to the next waiter...
    let_in_then_cancelled.cancel()  # ...which is cancelled before it runs: it passes the place on
    await asyncio.gather(let_in_then_cancelled, return_exceptions=True)

    turn = await asyncio.wait_for(last, 5)
    turn.release()
    assert (await door.enter()) is not None  # the one place is free again
