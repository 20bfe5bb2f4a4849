"""Waiting for the operator to stop a long-running command (Ctrl-C, `kill`, systemd's stop)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

__all__ = ["until_signalled"]


async def until_signalled() -> None:
    """Return at the first SIGINT or SIGTERM (where the loop can take signal handlers)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
