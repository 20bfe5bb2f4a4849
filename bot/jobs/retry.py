"""Waiting between tries: exponential backoff with jitter, and a platform's own wait.

Without jitter, thousands of jobs that met the same 429 or outage retry in the same
instant and meet it again. "Equal jitter": half the step is certain, half is random.
"""

from __future__ import annotations

import random
from datetime import timedelta

__all__ = ["backoff", "asked_wait"]


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before try `attempt + 1` (attempt counts from 1), between half and all of
    min(cap, base·2^(attempt-1))."""
    # the exponent stops growing long before a float would overflow: tries are bounded by
    # time, not by a count, so an hour of one-second tries reaches attempt 3600
    step = min(cap, base * 2 ** min(max(0, attempt - 1), 64))
    return step / 2 + (rng or random).uniform(0, step / 2)


def asked_wait(exc: BaseException) -> float | None:
    """The wait a platform asked for (flood control), if the error carries one: Telegram's
    RetryAfter has `retry_after` in seconds or as a timedelta; others may use the same name."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and value >= 0:
        return float(value)
    return None
