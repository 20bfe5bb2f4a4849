"""The messenger port: how the core talks back to a chat platform.

Each adapter implements one Messenger and registers it under its platform name. The core
calls it with the stored job, so every method must work from `job.destination` alone:
after a restart there is no live event object to reply to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.domain.answers import Ticket
    from bot.domain.requests import Destination
    from bot.domain.job import Job

__all__ = ["Messenger", "Progress", "Result"]


@dataclass(frozen=True)
class Progress:
    stage: str  # "queued", "submitted", "Queueing", "Preparing", "Processing", "downloading"
    elapsed: float  # seconds since the job was accepted
    expected: float  # seconds such a job usually takes
    eta: tuple[float, float] | None = None  # seconds still to go, low–high (learned p50–p90), when known
    position: int | None = None  # 1-based place in line for a 302.AI request slot, while waiting for one


@dataclass(frozen=True)
class Result:
    kind: str  # "video" or "image"
    filename: str
    mime: str
    url: str  # where 302.AI serves it (expires after hours)
    data: bytes | None  # None when larger than the destination accepts: send `url` instead
    size: int | None = None  # bytes, when known
    # the other pictures of an answer that named several (bot.jobs.delivery): posted with this
    # one as ONE message (a Telegram album, one Discord message with several files), never apart
    more: tuple[Result, ...] = ()


class Messenger(Protocol):
    async def acknowledge(self, job: Job, ticket: Ticket) -> Destination | None:
        """Tell the member the job was accepted. Returned keys are merged into the
        job's destination (e.g. the id of a status message to edit later)."""

    async def progress(self, job: Job, progress: Progress) -> None:
        """Show progress. Called on every poll; throttle to what the platform accepts."""

    async def deliver(self, job: Job, result: Result) -> None:
        """Post the finished video or image (with `result.more`, all the pictures in one post).
        Raising means "not delivered": the core retries."""

    async def fail(self, job: Job, reason: str) -> None:
        """Tell the member the job failed and was refunded; `reason` is plain language."""

    def upload_limit(self, job: Job) -> int:
        """Largest file in bytes this destination accepts as an upload."""

    # Optional: `async def find_post(self, job: Job) -> bool | None` — whether the job's last
    # message (its result; for a failed job, the failure notice) is already in its chat. Asked
    # after a crash between a post and its record: True, False, or None when the platform
    # cannot tell. Without it, the message is posted again.
    # Optional: `def posts_again_in_place(self, job: Job) -> bool` — whether posting the job's
    # result again puts it in the same message (an edit), so that a post under way at a crash
    # can simply be made again: one message either way.
