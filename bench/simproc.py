"""The 302.AI simulator in its own process, for benchmarks: `reelbot simulate` on port 0,
its real address read from the line it prints (no port picked by binding and releasing)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_simulator(key: str, video_seconds: float, *extra: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "simulate", "--port", "0", "--api-key", key,
         "--video-seconds", str(video_seconds), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "REELBOT_LOG_LEVEL": "WARNING"})
    line = proc.stdout.readline()  # "302.AI simulator listening on http://127.0.0.1:PORT (…)"
    found = re.search(r"(http://[\d.]+:\d+)", line)
    if not found:
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line!r}")
    return proc, found.group(1)
