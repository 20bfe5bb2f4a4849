"""A worker's side of job leases: claim its share at start, renew while alive, take over the
jobs of workers that died, give everything back on a clean stop.

With one runner on SQLite (the file lock makes it the only one) the start claims every
unfinished job, and later looks take only the jobs front processes stored without an owner.
With several workers on PostgreSQL, each renews its leases and looks every `look_every`
seconds for jobs whose lease ran out, so a dead worker's jobs are running again within the
lease time plus one look.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable

from bot.background import Background
from bot.domain.job import Job
from bot.store.leases import LeaseStore

__all__ = ["LeaseKeeper"]

log = logging.getLogger(__name__)
_PAGE = 1000


class LeaseKeeper:
    def __init__(self, leases: LeaseStore, *, launch: Callable[[Job], None], running: Callable[[], Collection[str]],
                 platforms: Callable[[], Iterable[str]], shared: bool, clock: Callable[[], float],
                 look_every: float = 2.0):
        self._leases, self._launch, self._running, self._platforms = leases, launch, running, platforms
        self._shared, self._clock, self._look_every = shared, clock, look_every
        self._loop = Background("leases", self._run)
        self._started = False

    @property
    def owner(self) -> str:
        return self._leases.owner

    async def start(self) -> int:
        """Claim what is ours to run now; returns how many jobs were picked up."""
        picked = await self._claim(mine=True, everything=not self._shared)
        self._loop.start()
        self._started = True
        return picked

    async def stop(self) -> None:
        """After the runner stopped: hand the leases back so another worker goes on at once."""
        await self._loop.stop()
        if self._started and self._shared:
            self._started = False
            released = await self._leases.release()
            if released:
                log.info("handed %d job(s) back for other workers to take over", released)

    async def _run(self) -> None:
        renew_every = self._leases.lease / 3
        renewed = self._clock()
        while True:
            await asyncio.sleep(self._look_every)
            try:
                if not self._shared:  # the only runner: nobody else's lease to take over
                    await self._claim(unowned=True)
                    continue
                if self._clock() - renewed >= renew_every:
                    renewed = self._clock()
                    await self._leases.renew(renewed, self._running())
                await self._claim()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: jobs cannot move either; look again soon
                log.exception("could not renew or claim job leases")

    async def _claim(self, *, mine: bool = False, everything: bool = False, unowned: bool = False) -> int:
        picked, now = 0, self._clock()
        while True:
            jobs = await self._leases.claim(now, self._platforms(), limit=_PAGE, mine=mine, everything=everything,
                                            unowned=unowned)
            for job in jobs:
                if picked < 20 or log.isEnabledFor(logging.DEBUG):
                    log.info("running job %s (%s)", job.id, job.state)
                self._launch(job)
                picked += 1
            if len(jobs) < _PAGE:
                return picked
