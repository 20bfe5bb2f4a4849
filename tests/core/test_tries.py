"""bot.jobs.tries: tries end at a time, never after a number of them; a server's own wait is
obeyed in full. Driven by a fake clock that the fake sleep moves on."""

from __future__ import annotations

import random

from bot.errors import RetryLater
from bot.jobs.tries import tries


class FakeTime:
    def __init__(self, now: float = 1000.0):
        self.now, self.waits = now, []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def fail_until_out_of_time(t: FakeTime, *, until: float, grace: float, error=None, cap: float = 60.0) -> int:
    made = 0
    async for attempt in tries(until=until, grace=grace, clock=t.clock, sleep=t.sleep, base=2.0, cap=cap,
                               rng=random.Random(1)):
        made += 1
        assert t.now <= attempt.end  # no try after the end
        attempt.failed(error or RetryLater("503"))
    return made


async def test_tries_go_on_until_the_end_whatever_their_number():
    t = FakeTime()
    made = await fail_until_out_of_time(t, until=t.now + 1800, grace=1800, cap=1.0)
    assert made > 3000  # one a second or so for an hour: no count stops them
    assert 3600 - 1.0 <= t.now - 1000.0 <= 3600


async def test_a_call_begun_after_its_deadline_still_gets_the_grace():
    t = FakeTime()
    made = await fail_until_out_of_time(t, until=t.now - 31 * 60, grace=600)
    assert made > 1 and 600 - 60 <= t.now - 1000.0 <= 600


async def test_a_wait_the_server_asked_for_is_obeyed_in_full():
    t = FakeTime()
    await fail_until_out_of_time(t, until=t.now + 100, grace=0, error=RetryLater("429", retry_after=30.0))
    assert t.waits and min(t.waits) >= 30.0


async def test_no_try_is_made_when_the_asked_wait_would_pass_the_end():
    t = FakeTime()
    made = await fail_until_out_of_time(t, until=t.now + 10, grace=0, error=RetryLater("429", retry_after=30.0))
    assert made == 1 and not t.waits


async def test_the_first_try_that_works_ends_the_tries():
    t = FakeTime()
    seen = []
    async for attempt in tries(until=t.now + 100, clock=t.clock, sleep=t.sleep, base=1.0, cap=10.0):
        seen.append(attempt.number)
        if attempt.number < 3:
            attempt.failed(RetryLater("busy"))
            continue
        break
    assert seen == [1, 2, 3] and len(t.waits) == 2
