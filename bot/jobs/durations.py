"""How long each model takes, learned from when its videos finished at 302.AI."""

from __future__ import annotations

from collections import deque

from bot.catalog import Model
from bot.jobs.model import Job
from bot.jobs.schedule import Spread, spread_of
from bot.store.jobs import JobStore

__all__ = ["Durations"]

_KEEP = 40


class Durations:
    def __init__(self, store: JobStore, expected_seconds: float | None):
        self._store = store
        self._override = expected_seconds  # the demo's and the tests' fixed expectation
        self._recent: dict[str, deque[float]] = {}

    async def spread(self, model: Model) -> Spread:
        if self._override is not None and len(self._recent.get(model.name, ())) < 5:
            return spread_of([], self._override)
        if model.name not in self._recent:
            recent = await self._store.recent_durations(model.name, _KEEP)
            self._recent[model.name] = deque(reversed(recent), maxlen=_KEEP)
        return spread_of(list(self._recent[model.name]), self._override or model.typical_seconds)

    def learn(self, job: Job) -> None:
        # ready_at holds the estimated finish (bot.jobs.schedule.finish_estimate)
        if job.submitted_at and job.ready_at:
            self._recent.setdefault(job.model, deque(maxlen=_KEEP)).append(job.ready_at - job.submitted_at)
