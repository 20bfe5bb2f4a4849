"""302.AI's unified v2 video interface: create (paid), fetch (free) and the model list (free).

The create call follows the money rules of the MiniMax submission (bot.ai302.translate): it
is not idempotent, so only an answer that proves 302.AI did not take it (no connection, 429,
503) may lead to a second try; a timeout, a 5xx after sending, a garbled reply or a reply
without a task id is OutcomeUnknown, and the job that sent it is never sent again.

A fetch is about a video already paid for. 302.AI's own app ends a task on any failed fetch;
here a fetch that fails says nothing about the video: every failure except a refused key is
RetryLater, which the job's life asks again under its deadline (bot.jobs.tries).

The same fetch, asked about a video that was completed, hands out a fresh `video_url`: the
first one expires after some hours, and a unified video has no file to look up as MiniMax's
has (bot.jobs.fresh_url). Then a 404 (410) about the task or a `failed` status is a verdict:
302.AI no longer has that video; any other failure is asked again.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from bot.errors import Ai302Error, AuthFailed, BalanceTooLow, ContentFlagged, OutcomeUnknown, Rejected, RetryLater

__all__ = ["UnifiedStatus", "UnifiedVideoCalls", "CREATE_PATH", "FETCH_PATH", "MODELS_PATH", "GONE_STATUSES"]

# the HTTP answers that say 302.AI no longer has a result it once made (bot.jobs.fresh_url)
GONE_STATUSES = (404, 410)

CREATE_PATH = "/302/v2/video/create"
FETCH_PATH = "/302/v2/video/fetch/"
MODELS_PATH = "/302/v2/model/video"

# 302.AI's task states, named as the MiniMax stages the progress messages already know
_STAGES = {"pending": "Queueing", "queued": "Queueing", "processing": "Processing", "running": "Processing"}


def text_of(value: Any) -> str | None:
    """302.AI's ids and URLs as text, whatever JSON type they arrived in; None when absent."""
    if value is None or value == "" or isinstance(value, dict | list | bool):
        return None
    return str(value)


class TaskStates:
    """What a unified task's `status` says, for a video fetch and an image fetch alike."""

    status: str

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def known(self) -> bool:
        return self.status in ("pending", "queued", "processing", "running", "completed")

    @property
    def stage(self) -> str:
        """The progress stage a member is shown (the MiniMax names the messengers render)."""
        return _STAGES.get(self.status, "Processing")


@dataclass(frozen=True)
class UnifiedStatus(TaskStates):
    status: str  # pending, processing, completed, failed, or a state 302.AI has not documented
    video_url: str | None = None

    @property
    def finished(self) -> bool:
        """Completed with a video to fetch; `completed` without a URL is not done yet: ask again."""
        return self.status == "completed" and self.video_url is not None

    @property
    def urls(self) -> tuple[str, ...]:
        """The result, as the image fetch names its pictures (bot.jobs.life reads either)."""
        return (self.video_url,) if self.video_url else ()


class UnifiedTaskCalls:
    """The two calls every unified task makes, a video's or an image's. Mixed into Ai302Client:
    it brings `_call` and `_timeouts`."""

    async def _create_task(self, path: str, payload: dict[str, Any], params: dict[str, str] | None,
                           what: str) -> str:
        """The paid create at `path`; its task id."""
        body = await self._call("POST", path, json=payload, paid=True,  # type: ignore[attr-defined]
                                timeout=self._timeouts.submit, params=params)  # type: ignore[attr-defined]
        task_id = text_of(body.get("task_id"))
        if task_id is None:
            # accepted (HTTP 200, JSON) yet no id to ask about: it may well run, and be billed
            raise OutcomeUnknown(f"v2 {what} reply has no task_id")
        return task_id

    async def _fetch_task(self, prefix: str, task_id: str, what: str) -> dict[str, Any]:
        """The free fetch of `task_id`: its answer, or RetryLater for any failure that is not a
        verdict (a refused key and a flagged result are)."""
        try:
            return await self._call("GET", prefix + urllib.parse.quote(task_id, safe=""))  # type: ignore[attr-defined]
        except (AuthFailed, ContentFlagged, RetryLater):
            raise  # a refused key (the operator must act), a flagged result (a verdict), or a retry
        except Ai302Error as err:  # a 4xx about a task we hold, an odd code: not a verdict
            raise RetryLater(f"v2 {what}: {err.detail}") from None


class UnifiedVideoCalls(UnifiedTaskCalls):
    """Mixed into Ai302Client: it brings `_paid`, `_call` and `_timeouts`."""

    async def create_video(self, payload: dict[str, Any], *, webhook: str | None = None) -> str:
        """`webhook`: the job's callback address, as the `webhook` query parameter (a wake-up
        only: bot.callbacks). A parameter, not part of the path: the path names the endpoint
        in metrics and logs, which must not show the address."""
        params = {"webhook": webhook} if webhook else None
        return await self._create_task(CREATE_PATH, payload, params, "video/create")

    async def fetch_video(self, task_id: str) -> UnifiedStatus:
        body = await self._fetch_task(FETCH_PATH, task_id, "video/fetch")
        status = (text_of(body.get("status")) or "unknown").lower()
        return UnifiedStatus(status, text_of(body.get("video_url")))

    async def video_url_again(self, task_id: str) -> str | None:
        """A fresh URL of the completed video `task_id`, or None when 302.AI no longer has it
        (it answers 404 about the task, or calls it failed). RetryLater when it did not answer, or
        answered with a state that is no verdict; AuthFailed for a refused key."""
        path = FETCH_PATH + urllib.parse.quote(task_id, safe="")
        try:
            body = await self._call("GET", path)  # type: ignore[attr-defined]
        except (AuthFailed, BalanceTooLow):
            raise  # about the operator's account, not the video
        except Rejected as err:
            if err.status in GONE_STATUSES:  # it no longer knows a task it once finished: gone
                return None
            # any other refusal (an odd code, a 400 from a proxy) says nothing about the video,
            # which is paid for: asked again under the caller's time bound, never a verdict
            raise RetryLater(f"v2 video/fetch of a finished video: {err.detail}") from None
        status = (text_of(body.get("status")) or "unknown").lower()
        url = text_of(body.get("video_url"))
        if status == "completed" and url is not None:
            return url
        if status == "failed":
            return None
        raise RetryLater(f"v2 video/fetch of a finished video answered {status!r} without a URL")

    async def video_models(self) -> list[dict[str, Any]]:
        """302.AI's list of video models, each entry as it came (bot.catalog reads them)."""
        body = await self._call("GET", MODELS_PATH)  # type: ignore[attr-defined]
        models = body.get("models")
        if not isinstance(models, list):
            raise RetryLater("v2 model/video reply has no model list")
        return [m for m in models if isinstance(m, dict)]
