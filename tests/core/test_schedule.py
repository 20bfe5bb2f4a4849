"""The polling schedule: a pure function of time, checked without a clock."""

from __future__ import annotations

import random

import pytest

from bot.jobs.schedule import PollSchedule, Spread, _window_gaps, finish_estimate, spread_of

LEARNED = Spread(60.0, 180.0, 300.0, learned=True)


def expected(gaps: list[float], width: float) -> tuple[float, float]:
    """(queries, mean lag) for finishes spread evenly over the window."""
    queries = sum((k + 1) * gap for k, gap in enumerate(gaps)) / width
    return queries, sum(gap * gap for gap in gaps) / (2 * width)


def test_the_window_gaps_shrink_by_a_constant_step_and_meet_the_lag_with_the_fewest_queries():
    gaps = _window_gaps(240.0, 5.0)
    assert sum(gaps) == pytest.approx(240.0)
    steps = {round(a - b, 6) for a, b in zip(gaps, gaps[1:])}
    assert len(steps) == 1 and steps.pop() > 0
    queries, lag = expected(gaps, 240.0)
    assert lag == pytest.approx(5.0)
    assert queries == pytest.approx(11.17, abs=0.01)  # a fixed 10 s poller: 18 for the same lag
    even = [240.0 / 24] * 24  # evenly spaced gaps with the same lag
    assert expected(even, 240.0)[1] == pytest.approx(5.0) and expected(even, 240.0)[0] > queries


def test_a_learned_schedule_first_asks_one_gap_into_the_window_then_ever_more_often():
    schedule = PollSchedule(LEARNED, min_interval=3.0, max_interval=60.0, target_lag=5.0)
    times, t, last = [], 0.0, None
    while t < 300.0:
        t += schedule.next_delay(t, None if last is None else t - last, 0)
        last = t
        times.append(t)
    assert 70.0 < times[0] < 80.0  # not at the window's start, where almost nothing is done yet
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 3.0 - 1e-9 for g in gaps)  # never two queries closer than min_interval
    assert gaps[0] > gaps[len(gaps) // 2] > 3.0 - 1e-9
    assert times[-1] == pytest.approx(300.0, abs=3.0)


def test_past_the_window_the_gap_grows_and_a_resumed_job_is_asked_at_once():
    schedule = PollSchedule(LEARNED, min_interval=3.0, max_interval=60.0, target_lag=5.0)
    overdue = [schedule.next_delay(400.0, 30.0, n) for n in range(4)]
    assert overdue == pytest.approx([5.0, 7.5, 11.25, 16.875])
    assert schedule.next_delay(5000.0, None, 0) == 0.0


def test_an_early_looking_job_looks_before_the_window_and_at_its_start():
    schedule = PollSchedule(LEARNED, min_interval=3.0, max_interval=60.0, target_lag=5.0, look_early=True)
    assert schedule.next_delay(0.0, None, 0) == pytest.approx(30.0)
    assert schedule.next_delay(30.0, 0.0, 0) == pytest.approx(30.0)  # then at 60 s, the window's start


def test_a_finish_is_placed_within_the_part_of_its_bracket_inside_the_window():
    # found by the first query at 75 s: it finished between the window's start and then
    assert finish_estimate(None, 75.0, LEARNED, 0.0) == 60.0
    assert finish_estimate(None, 75.0, LEARNED, 1.0) == 75.0
    assert finish_estimate(120.0, 130.0, LEARNED) == 125.0
    # a bracket outside the window is all there is to go by; so is any before anything is learned
    assert finish_estimate(310.0, 320.0, LEARNED) == 315.0
    assert finish_estimate(None, 40.0, Spread(54.0, 180.0, 306.0), 0.5) == 20.0


def test_the_learned_window_settles_on_where_videos_really_finish():
    rng = random.Random(7)
    learned: list[float] = []
    for _ in range(400):
        spread = spread_of(learned[-80:], 180.0)
        schedule = PollSchedule(spread, 3.0, 60.0, look_early=rng.random() < 0.1)
        finish, t, last, pending = rng.uniform(60.0, 300.0), 0.0, None, None
        while True:
            t += schedule.next_delay(t, None if last is None else t - last, 0)
            last = t
            if t >= finish:
                break
            pending = t
        learned.append(finish_estimate(pending, t, spread, rng.random()))
    window = spread_of(learned[-80:], 180.0)
    assert 40.0 < window.lo < 75.0 and 285.0 < window.hi < 320.0
