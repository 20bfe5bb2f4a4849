"""The request slots' line: first come, first served; places reported without quadratic work."""

from __future__ import annotations

import asyncio

from bot.jobs.slots import REPORTED, RequestSlots


async def test_a_freed_slot_goes_to_the_first_in_line_and_places_are_exact_when_told():
    slots = RequestSlots(1)
    await slots.acquire()
    heard: dict[str, list[int]] = {}
    served: list[str] = []

    async def wait(name: str) -> None:
        async def told(place: int) -> None:
            heard.setdefault(name, []).append(place)
            assert slots.position(name) == place  # what a member is told is where they are
        await slots.acquire(name, told)
        served.append(name)
        slots.release()

    tasks = [asyncio.create_task(wait(f"job{i}")) for i in range(30)]
    while slots.waiting < 30:
        await asyncio.sleep(0)
    tasks[3].cancel()  # one leaves from the middle of the line
    await asyncio.gather(tasks[3], return_exceptions=True)
    assert slots.position("job4") == 4 and slots.position("job29") == 29
    slots.release()
    await asyncio.gather(*tasks[:3], *tasks[4:])

    assert served == [f"job{i}" for i in range(30) if i != 3]
    assert heard["job29"][0] == 30  # told on joining
    for places in heard.values():  # then only ever closer, and exact when told (checked in told())
        assert places == sorted(places, reverse=True) and len(set(places)) == len(places)


async def test_only_reported_places_wake_a_waiter():
    assert [p for p in range(1, 1200) if REPORTED(p)] == [*range(1, 11), 20, 50, 100, 200, 500, 1000]


async def test_thousands_waiting_cost_a_bounded_number_of_reports():
    slots = RequestSlots(1)
    await slots.acquire()
    reports = 0

    async def told(place: int) -> None:
        nonlocal reports
        reports += 1

    async def wait(i: int) -> None:
        await slots.acquire(f"job{i}", told)
        slots.release()

    waiters = 5000
    tasks = [asyncio.create_task(wait(i)) for i in range(waiters)]
    while slots.waiting < waiters:
        await asyncio.sleep(0)
    slots.release()
    await asyncio.gather(*tasks)
    assert reports <= waiters * 20  # ten steps, a few milestones and the first report each
