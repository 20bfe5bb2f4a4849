"""How long each model takes, learned from when its videos finished at 302.AI."""

from __future__ import annotations

import asyncio
import statistics
from collections import deque

from bot.catalog import Model
from bot.domain.job import Job
from bot.jobs.schedule import Spread, spread_of
from bot.store.jobs import JobStore

__all__ = ["Durations"]

_KEEP = 80  # about 40 was too few: the window's edges (5th and 95th percentiles) swung between batches
_MIN_SAMPLES = 5  # as bot.jobs.schedule: fewer finishes say little about a model


class Durations:
    def __init__(self, store: JobStore, expected_seconds: float | None):
        self._store = store
        self._override = expected_seconds  # the demo's and the tests' fixed expectation
        self._recent: dict[str, deque[float]] = {}
        self._loading: dict[str, asyncio.Future[list[float]]] = {}

    async def spread(self, model: Model) -> Spread:
        if self._override is not None and len(self._recent.get(model.name, ())) < _MIN_SAMPLES:
            return spread_of([], self._override)
        return spread_of(await self._samples(model), self._override or model.typical_seconds)

    async def estimate(self, model: Model) -> tuple[float, float]:
        """How long the model's jobs take from submission to finish, as (p50, p90) seconds of
        the learned durations; before enough are learned, its expected time for both."""
        if self._override is not None and len(self._recent.get(model.name, ())) < _MIN_SAMPLES:
            return self._override, self._override
        recent = sorted(d for d in await self._samples(model) if d > 0)
        if len(recent) < _MIN_SAMPLES:
            prior = self._override or model.typical_seconds
            return prior, prior
        return statistics.median(recent), statistics.quantiles(recent, n=10, method="inclusive")[8]

    async def _samples(self, model: Model) -> list[float]:
        if model.name not in self._recent:
            # One read per model, shared: thousands of jobs joining the line at once all ask.
            loading = self._loading.get(model.name)
            if loading is None:
                loading = self._loading[model.name] = asyncio.ensure_future(
                    self._store.recent_durations(model.name, _KEEP))
            try:
                recent = await asyncio.shield(loading)
            finally:
                if loading.done():
                    self._loading.pop(model.name, None)
            if model.name not in self._recent:
                self._recent[model.name] = deque(reversed(recent), maxlen=_KEEP)
        return list(self._recent[model.name])

    def learn(self, job: Job) -> None:
        # ready_at holds the estimated finish (bot.jobs.schedule.finish_estimate)
        if job.submitted_at and job.ready_at:
            self._recent.setdefault(job.model, deque(maxlen=_KEEP)).append(job.ready_at - job.submitted_at)
