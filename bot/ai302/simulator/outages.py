"""Outages of the simulator's free endpoints: for a while, one kind of lookup fails.

302.AI's status query can be down (503) or rate-limited (429) for minutes while video
generation goes on, so videos that were billed finish meanwhile. An outage plays that:

    sim.outage("503", seconds=300, on=("query",))       # status queries only, 5 minutes
    POST /_sim/config {"outage": {"fault": "429", "seconds": 60, "on": ["query", "retrieve"]}}

`on` names free endpoints: `query` (the status query) and `retrieve` (file info). The
fault is any of the shared ones (429, 1002, 500, 503, garbage, …). Paid calls are never
affected: that is what tells an outage of the query apart from an outage of 302.AI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["Outages", "FREE_ENDPOINTS"]

FREE_ENDPOINTS = ("query", "retrieve")


@dataclass(frozen=True)
class _Outage:
    fault: str
    until: float  # time.monotonic()
    on: frozenset[str]


class Outages:
    def __init__(self) -> None:
        self._outages: list[_Outage] = []
        self.refused: dict[str, int] = dict.fromkeys(FREE_ENDPOINTS, 0)  # lookups answered with the fault

    def start(self, fault: str, seconds: float, on: tuple[str, ...] | list[str] = ("query",)) -> None:
        unknown = set(on) - set(FREE_ENDPOINTS)
        if unknown or not on or seconds < 0:
            raise ValueError(f"an outage needs seconds >= 0 and endpoints among {FREE_ENDPOINTS}, not {sorted(on)}")
        self._outages.append(_Outage(fault, time.monotonic() + seconds, frozenset(on)))

    def fault_for(self, endpoint: str) -> str | None:
        """The fault of an outage under way for `endpoint`, or None."""
        now = time.monotonic()
        self._outages = [o for o in self._outages if o.until > now]
        for outage in self._outages:
            if endpoint in outage.on:
                self.refused[endpoint] += 1
                return outage.fault
        return None

    @property
    def under_way(self) -> bool:
        now = time.monotonic()
        return any(o.until > now for o in self._outages)
