"""A messenger that shows no progress updates for the jobs of chats whose admins turned them
off (the QUIET mark in a job's destination). The acknowledgement, the result and the final
status are still shown: only the updates in between go."""

from __future__ import annotations

from typing import Any

from bot.chats.rules import QUIET
from bot.domain.job import Job
from bot.ports import Messenger, Progress

__all__ = ["QuietWhereAsked"]


class QuietWhereAsked:
    def __init__(self, messenger: Messenger):
        self.inner = messenger

    async def progress(self, job: Job, progress: Progress) -> None:
        if not job.destination.get(QUIET):
            await self.inner.progress(job, progress)

    def __getattr__(self, name: str) -> Any:
        # everything else (acknowledge, deliver, fail, upload_limit, the optional find_post,
        # alerts…) is the platform's messenger's own, so hasattr() answers as it would there
        return getattr(self.inner, name)
