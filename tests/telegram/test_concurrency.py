"""How many Bot API calls the bot keeps under way: from the send rate and the latency seen."""

from __future__ import annotations

from adapters.telegram.concurrency import (MOST_CALLS, RESIZE_EVERY, SLOWEST, CallSizing, calls_needed, pool_size,
                                          updates_at_once)
from adapters.telegram.config import CONCURRENT_CALLS


def test_at_telegrams_default_rate_the_floor_is_enough():
    assert calls_needed(30, 0.1) == CONCURRENT_CALLS


def test_a_higher_rate_keeps_rate_times_latency_calls_under_way_with_headroom():
    # 1000 a second, 75 ms each: 75 under way on average, twice that for bursts
    assert calls_needed(1000, 0.075) == 150


def test_a_latency_beyond_the_slowest_worth_following_does_not_grow_the_calls():
    assert calls_needed(50, 30.0) == calls_needed(50, SLOWEST)


def test_the_calls_never_exceed_the_most_the_pool_holds():
    assert calls_needed(1000, SLOWEST) == MOST_CALLS
    assert pool_size(1000) > MOST_CALLS  # and the pool keeps connections for downloads besides


def test_the_pool_holds_every_size_the_sizing_can_ask_for():
    for rate in (1, 30, 100, 400, 1000):
        assert pool_size(rate) > max(calls_needed(rate, latency) for latency in (0.01, 0.1, 0.5, SLOWEST, 5.0))


def test_the_sizing_grows_with_the_latency_seen_and_shrinks_back_once_it_falls():
    now = [0.0]
    sizes: list[int] = []
    sizing = CallSizing(sizes.append, per_second=1000, clock=lambda: now[0])
    sizing.observe(0.1)
    assert sizes == [calls_needed(1000, 0.1)]
    for _ in range(200):  # the latency falls to 10 ms; the estimate follows within these calls
        sizing.observe(0.01)
    now[0] += RESIZE_EVERY
    sizing.observe(0.01)
    assert sizes[-1] < sizes[0] and sizes[-1] == sizing.size
    assert sizing.size == calls_needed(1000, sizing.latency)


def test_the_sizing_resizes_at_most_once_an_interval():
    now = [0.0]
    sizes: list[int] = []
    sizing = CallSizing(sizes.append, per_second=1000, clock=lambda: now[0])
    for latency in (0.05, 0.5, 0.9, 0.7):
        sizing.observe(latency)
    assert len(sizes) == 1
    now[0] += RESIZE_EVERY
    sizing.observe(0.9)
    assert len(sizes) == 2


def test_the_sizing_never_goes_below_its_floor():
    sizes: list[int] = []
    sizing = CallSizing(sizes.append, per_second=30, floor=20)
    sizing.observe(0.001)
    assert sizing.size == 20 and sizes == []  # nothing to change: it starts at its floor


def test_at_telegrams_default_rate_the_intake_handles_as_many_updates_at_once_as_before():
    assert updates_at_once(30) == 64


def test_a_bot_allowed_more_sends_handles_more_updates_at_once_within_the_calls_bound():
    assert updates_at_once(200) == 200  # 200 answers a second, each up to a second away
    assert updates_at_once(1000) == MOST_CALLS
