"""A video's download URL asked for afresh: the URL 302.AI gives expires after some hours.

A MiniMax video names a file, whose URL files/retrieve gives anew; a unified v2 video names only
its task, whose fetch answers with a fresh `video_url` (bot.ai302.v2). Both calls are free, so
a delivery retried late and a /jobs fetch again both ask. An image has only the URL it was made
with. None means 302.AI no longer has the video: the member is told so, and nothing is made
again for it (that would be a paid call).
"""

from __future__ import annotations

from bot.ai302.client import Ai302Client
from bot.domain.job import Job
from bot.domain.requests import Command
from bot.ai302.v2 import GONE_STATUSES
from bot.errors import AuthFailed, BalanceTooLow, Rejected, RetryLater

__all__ = ["refreshable", "fresh_url"]

# MiniMax's "invalid params, file_id not found": the one refusal of files/retrieve that is a verdict
FILE_NOT_FOUND = 2013


def refreshable(job: Job) -> bool:
    """A video whose URL 302.AI hands out again: MiniMax's by its file, a unified one by its task."""
    return bool(job.file_id) or (job.command is not Command.IMAGE and bool(job.task_id))


async def fresh_url(client: Ai302Client, job: Job) -> str | None:
    """One free ask for `job`'s result URL. None: 302.AI no longer has it. Raises RetryLater when
    302.AI did not answer (the caller asks again within its own time bound), AuthFailed for a
    refused key."""
    if job.file_id:
        try:
            return (await client.retrieve_file(job.file_id)).download_url
        except (AuthFailed, BalanceTooLow):
            raise
        except Rejected as err:
            if err.code == FILE_NOT_FOUND or err.status in GONE_STATUSES:  # it no longer knows the file
                return None
            raise RetryLater(f"files/retrieve of a finished video: {err.detail}") from None
    if job.task_id and refreshable(job):
        return await client.video_url_again(job.task_id)
    raise ValueError(f"job {job.id} has no video 302.AI could hand out again")
