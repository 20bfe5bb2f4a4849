"""A job and the states it moves through; every move is stored before the next step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.requests import Command, Destination, Requester
from bot.i18n import Text

__all__ = ["JobState", "Job", "IN_FLIGHT", "BILLED", "CANCELLED"]


class JobState(StrEnum):
    QUEUED = "queued"  # credits reserved; not yet sent to 302.AI
    SUBMITTING = "submitting"  # a paid call is (or may be) on its way: never sent again blindly
    RUNNING = "running"  # 302.AI has it (task_id stored); being polled
    READY = "ready"  # result URL known; not yet delivered
    DELIVERED = "delivered"  # posted to the chat; credits committed (final)
    FAILED = "failed"  # credits refunded; `notified` says whether the member has been told


IN_FLIGHT = (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING, JobState.READY)
# 302.AI has taken (and billed) the paid call
BILLED = (JobState.RUNNING, JobState.READY, JobState.DELIVERED)
# The stored failure of a job its member cancelled before 302.AI saw it (bot.jobs.cancel):
# here, so that the store's reports and its index jobs_cancelled name the same text.
CANCELLED = "cancelled by you"


@dataclass(frozen=True)
class Job:
    id: str
    requester: Requester
    command: Command
    model: str
    prompt: str
    options: dict[str, Any]
    destination: Destination
    price: int  # credits the member pays (reserved, then committed or refunded)
    cost_mptc: int  # what 302.AI charges for the paid call, in mPTC (the operator's spend)
    state: JobState
    created_at: float
    deadline_at: float
    quota_day: str
    has_image: bool = False
    # the inputs stored besides the first image (bot.store: job_inputs), by their 302.AI field
    # name: "end_image" (the last frame), "video" (video to video); a retry, a re-roll or an edit
    # sends them again, and a re-roll whose inputs are gone is refused rather than sent without
    inputs: tuple[str, ...] = ()
    task_id: str | None = None
    file_id: str | None = None
    result_url: str | None = None
    # every picture of an answer that named several (the first is `result_url`), delivered
    # together as one album / one message; empty when there is one result
    result_urls: tuple[str, ...] = ()
    failure: Text | str | None = None  # a Text; a str in jobs stored before localization
    notified: bool = False
    from_wallet: int = 0  # credits of `price` taken from the member's purchased credits
    posting: bool = False  # a post of the result was started: after a crash, look before posting again
    submitted_at: float | None = None
    ready_at: float | None = None  # when 302.AI reported the result done
    finished_at: float | None = None
