"""Wake-ups of polls by callbacks (bot.jobs.wakeups), the safety-net schedule, and the
callback settings."""

from __future__ import annotations

import asyncio

import pytest

from bot.callbacks import CallbackAddress, RateLimit
from bot.config import Settings, SettingsError
from bot.jobs.schedule import SafetyPoll
from bot.jobs.wakeups import RECENT, Wakeups


async def test_a_burst_of_callbacks_while_a_job_sleeps_wakes_one_query():
    wakeups = Wakeups()
    with wakeups.watching("job-1"):
        sleeping = asyncio.ensure_future(wakeups.sleep("job-1", 60))
        await asyncio.sleep(0)  # the poll is asleep
        assert all(wakeups.wake("job-1") for _ in range(5))

        assert await sleeping is True
        # nothing was left over for the next sleep: it runs its course
        assert await wakeups.sleep("job-1", 0.01) is False


async def test_a_second_wake_within_the_gap_is_answered_by_the_planned_query_not_a_second_woken_one():
    wakeups = Wakeups(gap=60.0)
    with wakeups.watching("job-1"):
        wakeups.wake("job-1")
        assert await wakeups.sleep("job-1", 30) is True
        wakeups.wake("job-1")  # a replay, right after the woken query

        assert await wakeups.sleep("job-1", 0.01) is False  # not woken again: the gap holds


async def test_a_wake_during_a_query_is_kept_for_the_next_sleep():
    wakeups = Wakeups(gap=0.0)
    with wakeups.watching("job-1"):
        wakeups.wake("job-1")  # came while the job was asking 302.AI (not asleep)

        assert await wakeups.sleep("job-1", 60) is True


def test_a_wake_for_a_job_not_polled_here_does_nothing():
    wakeups = Wakeups()
    with wakeups.watching("job-1"):
        pass
    assert wakeups.wake("job-1") is False and wakeups.wake("never-seen") is False


def test_callbacks_arrive_once_most_jobs_are_woken_and_stop_after_none_of_the_last_ten():
    wakeups = Wakeups()
    for woken in (True, False, True):
        wakeups.record("T2V-01", woken)
    assert wakeups.arriving("T2V-01") and not wakeups.arriving("S2V-01")

    for _ in range(RECENT - 1):
        wakeups.record("T2V-01", False)
    assert wakeups.arriving("T2V-01")  # one of the last ten was still woken
    wakeups.record("T2V-01", False)
    assert not wakeups.arriving("T2V-01")


def test_a_lossy_model_stays_on_the_safety_net_while_most_callbacks_come():
    wakeups = Wakeups()
    for n in range(50):
        wakeups.record("T2V-01", n % 10 >= 3)  # 30 % lost
    assert wakeups.arriving("T2V-01")


def test_the_safety_poll_looks_first_at_the_p90_then_every_half_of_it():
    poll = SafetyPoll(p90=200.0, min_interval=3.0)
    assert poll.next_delay(0.0, None) == 200.0
    assert poll.next_delay(50.0, 10.0) == 150.0  # looked earlier on the learned schedule
    assert poll.next_delay(200.0, 0.0) == 100.0
    assert poll.next_delay(400.0, 0.0) == 100.0


def test_a_job_address_verifies_only_with_its_own_token():
    address = CallbackAddress("https://bot.example.com/reelbot/", b"s" * 32)
    url = address.url_for("job-1")
    token = url.rsplit("/", 1)[1]

    assert url.startswith("https://bot.example.com/reelbot/callbacks/job-1/")
    assert address.verify("job-1", token) and not address.verify("job-2", token)
    assert not address.verify("job-1", token[:-1] + "é")  # not even a crash on odd text
    assert not CallbackAddress("https://bot.example.com", b"t" * 32).verify("job-1", token)


def test_the_rate_limit_refills_over_time_per_address():
    now = [0.0]
    limit = RateLimit(rate=1.0, burst=2.0, clock=lambda: now[0])
    assert [limit.allow("a") for _ in range(3)] == [True, True, False]
    assert limit.allow("b")
    now[0] += 1.0
    assert limit.allow("a")


@pytest.mark.parametrize("url", ["http://bot.example.com", "ftp://127.0.0.1", "https://", "bot.example.com"])
def test_a_public_url_that_is_not_https_or_loopback_http_is_refused(url):
    with pytest.raises(SettingsError, match="REELBOT_PUBLIC_URL"):
        Settings.from_env({"REELBOT_PUBLIC_URL": url, "REELBOT_HTTP_LISTEN": "127.0.0.1:9102"})


def test_a_public_url_needs_a_listener_for_its_callbacks():
    with pytest.raises(SettingsError, match="REELBOT_CALLBACK_LISTEN"):
        Settings.from_env({"REELBOT_PUBLIC_URL": "https://bot.example.com"})
    settings = Settings.from_env({"REELBOT_PUBLIC_URL": "http://127.0.0.1:9103/",
                                  "REELBOT_CALLBACK_LISTEN": "127.0.0.1:9103"})
    assert (settings.public_url, settings.callback_listen) == ("http://127.0.0.1:9103", "127.0.0.1:9103")
