"""Living with Telegram's flood control: wait as long as it asks, then try again."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

__all__ = ["retry_after_seconds", "patiently", "MAX_FLOOD_WAIT"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Beyond this a wait would hold a job hostage; give up and let the caller's retry take over.
MAX_FLOOD_WAIT = 120.0


def retry_after_seconds(err: RetryAfter) -> float:
    # PTB 22 is moving `retry_after` from int to timedelta: it is an int unless PTB_TIMEDELTA
    # is set (the adapter sets it, see adapter.py), and reading the int warns. Take both, and
    # silence that warning where it is not set (a StatusBoard used without the adapter).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def patiently(call: Callable[[], Awaitable[T]], *, attempts: int = 3) -> T:
    """Run `call`; on RetryAfter wait what Telegram asks and retry, up to `attempts` times."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as err:
            wait = retry_after_seconds(err)
            if attempt == attempts or wait > MAX_FLOOD_WAIT:
                raise
            log.info("Telegram flood control: waiting %.1f s", wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")
