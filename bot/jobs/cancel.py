"""Cancelling a job that 302.AI has not been sent yet: who may, and what the member reads."""

from __future__ import annotations

from bot.i18n import TN, T, Text
from bot.domain.job import CANCELLED, Job, JobState

__all__ = ["CANCELLED", "may_cancel", "cancelled_text", "refusal", "is_cancelled"]


def may_cancel(job: Job, user_key: str, is_admin: bool) -> bool:
    return is_admin or job.requester.user_key == user_key


def is_cancelled(job: Job) -> bool:
    return job.state is JobState.FAILED and job.failure == CANCELLED


def cancelled_text(job: Job) -> Text:
    return TN("Cancelled. Nothing was sent to 302.AI, and your credit is back.",
              "Cancelled. Nothing was sent to 302.AI, and your {n} credits are back.", job.price)


def refusal(job: Job | None) -> Text:
    """Why `job` can no longer be cancelled."""
    if job is None:
        return T("That job is no longer known to this bot.")
    if is_cancelled(job):
        return T("This job is already cancelled; your credits are back.")
    if job.state is JobState.FAILED:
        return T("This job has already ended, and its credits are back.")
    if job.state is JobState.DELIVERED:
        return T("This job is already finished.")
    return T("302.AI has already started this job, and billed it, so it can no longer be cancelled. "
             "It will be delivered as usual.")
