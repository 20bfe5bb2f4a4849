"""When to ask 302.AI about a job again.

302.AI's own apps poll every 2–10 s from the start, 20–100 requests per video. A video
almost never finishes long before its model's usual time, so we look in at a few points
on the way there (which also gives members progress), then back off once it is overdue.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

__all__ = ["PollSchedule", "expected_duration"]

# fractions of the expected duration at which to look in before it is due
_CHECKPOINTS = (0.3, 0.6, 0.85, 1.0)
_BACKOFF = 1.5


def expected_duration(recent: list[float], prior: float) -> float:
    """The median of recent real durations, once there are a few; else the model's prior."""
    recent = [d for d in recent if d > 0]
    if len(recent) >= 3:
        return statistics.median(recent)
    return prior


@dataclass(frozen=True)
class PollSchedule:
    expected: float
    min_interval: float
    max_interval: float

    def next_delay(self, elapsed: float, polls_after_due: int) -> float:
        """Seconds to wait before the next poll, `elapsed` seconds after submission."""
        for fraction in _CHECKPOINTS:
            due = self.expected * fraction
            if elapsed < due - self.min_interval / 2:
                return self._clamp(due - elapsed)
        # overdue: start at a tenth of the expected time and grow
        return self._clamp(self.expected * 0.1 * _BACKOFF ** polls_after_due)

    def _clamp(self, seconds: float) -> float:
        return min(self.max_interval, max(self.min_interval, seconds))
