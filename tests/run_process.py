"""`reelbot run` as a child process, for tests that need several of them at once.

Its output is read as it comes (a full pipe would stall the bot), so a test can wait for a
log line, and gets the whole output back when the process stops.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["ReelbotProcess", "ROOT"]

ROOT = Path(__file__).resolve().parents[1]


class ReelbotProcess:
    def __init__(self, env: Mapping[str, str], cwd: Path, *args: str):
        self._env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **env}
        self._cwd, self._args = cwd, args
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lines: list[str] = []
        self._new_line = asyncio.Condition()

    async def start(self) -> ReelbotProcess:
        self._cwd.mkdir(parents=True, exist_ok=True)
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "entrypoints.cli", "--env-file", str(self._cwd / "none.env"), "run", *self._args,
            env=self._env, cwd=self._cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        async for raw in self._proc.stdout:
            async with self._new_line:
                self._lines.append(raw.decode(errors="replace"))
                self._new_line.notify_all()
        async with self._new_line:  # the process closed its output: no line will come any more
            self._new_line.notify_all()

    async def line(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first output line matching `pattern` (waits for it)."""
        def found() -> re.Match[str] | None:
            return next((m for line in self._lines if (m := re.search(pattern, line))), None)

        async with self._new_line:
            try:
                await asyncio.wait_for(self._new_line.wait_for(
                    lambda: found() or (self._reader is not None and self._reader.done())), timeout)
            except TimeoutError:
                pass
        match = found()
        if match is None:
            raise AssertionError(f"no line matching {pattern!r}; the output so far:\n{self.output}")
        return match

    @property
    def output(self) -> str:
        return "".join(self._lines)

    async def exited(self, timeout: float = 60.0) -> int:
        """The exit status of a process that must end by itself (a start that cannot go on)."""
        assert self._proc is not None
        await asyncio.wait_for(self._proc.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return self._proc.returncode

    async def stop(self) -> int:
        """SIGTERM, as systemd or Docker stops it; returns the exit status."""
        assert self._proc is not None
        if self._proc.returncode is None:
            self._proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self._proc.wait(), 30)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()
        if self._reader is not None:
            await self._reader
        return self._proc.returncode
