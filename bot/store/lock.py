"""One bot process per database: an OS lock on a file beside it.

Two runners on one database would resume the same jobs and pay twice. `flock` is released
by the kernel when the process dies (even by SIGKILL), so a crash never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["InstanceLock", "AlreadyRunning"]


class AlreadyRunning(RuntimeError):
    """Another process holds the database; the message names it."""


class InstanceLock:
    def __init__(self, database: Path):
        self.path = Path(f"{database}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(f"another reelbot (pid {holder}) is using {self.path.parent}; "
                                 "stop it first, or give this one its own REELBOT_DATA_DIR") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    async def aclose(self) -> None:
        self.release()
