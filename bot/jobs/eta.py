"""What a waiting member reads about time and their place in line (bot.jobs.context computes
the numbers: learned p50–p90 durations, the request slots' line)."""

from __future__ import annotations

import math

from bot.i18n import T, Text
from bot.ports import Progress

__all__ = ["eta_text", "position_text", "progress_notes"]


def eta_text(eta: tuple[float, float]) -> Text:
    """`about 2–4 min` as a sentence; whole minutes, since finer would promise too much."""
    low, high = eta
    if high <= 0:
        return T("Ready any moment now.")
    if high < 60:
        return T("Ready in under a minute.")
    low_minutes = max(1, round(low / 60))
    high_minutes = max(low_minutes, math.ceil(high / 60))
    if low_minutes == high_minutes:
        return T("Ready in about {minutes} min.", minutes=low_minutes)
    return T("Ready in about {low}–{high} min.", low=low_minutes, high=high_minutes)


def position_text(position: int) -> Text:
    return T("Waiting for a free 302.AI slot: number {position} in line.", position=position)


def progress_notes(progress: Progress) -> list[Text]:
    """The place in line first (it says why nothing moves yet), then the estimate."""
    notes = [position_text(progress.position)] if progress.position is not None else []
    if progress.eta is not None:
        notes.append(eta_text(progress.eta))
    return notes
