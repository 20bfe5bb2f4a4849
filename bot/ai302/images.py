"""302.AI's asynchronous image interface: create (paid), then fetch (free) until it is done.

    POST /302/v2/image/generate?run_async=true  {model, prompt, width, height, aspect_ratio,
                                                 negative_prompt, image}  -> {task_id, status, created_at}
    GET  /302/v2/image/fetch/{task_id}          -> {status, image_url, image_urls: [...]}

The create answers in seconds with a task id instead of holding a paid request open while
the picture is drawn (the synchronous /302/image/generate, up to minutes), so an unclear
outcome of a paid call, and the spend that goes unconfirmed with it, becomes rare. The
money rules are the video create's (bot.ai302.v2): only an answer that proves 302.AI did not
take the call (no connection, 429, 503) may lead to a second try; a timeout, a 5xx after
sending, a garbled reply or one without a task id is OutcomeUnknown, never sent again.

A fetch is about a picture already paid for. 302.AI's own app turns a failed fetch into a
failed task; here only `failed` inside a successful answer is a verdict: every other failure
but a refused key is RetryLater, asked again under the job's deadline (bot.jobs.tries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ai302.v2 import TaskStates, UnifiedTaskCalls, text_of

__all__ = ["ImageTaskStatus", "AsyncImageCalls", "IMAGE_CREATE_PATH", "IMAGE_FETCH_PATH"]

IMAGE_CREATE_PATH = "/302/v2/image/generate"
IMAGE_FETCH_PATH = "/302/v2/image/fetch/"

def _urls(body: dict[str, Any]) -> tuple[str, ...]:
    """Every picture the answer names, in its order, each once: `image_urls` when given (a model
    that draws several), else the one `image_url`."""
    listed = body.get("image_urls") if isinstance(body.get("image_urls"), list) else []
    urls = [u for u in map(text_of, listed) if u]
    if not urls and (single := text_of(body.get("image_url"))):
        urls = [single]
    return tuple(dict.fromkeys(urls))


@dataclass(frozen=True)
class ImageTaskStatus(TaskStates):
    status: str  # pending, processing, completed, failed, or a state 302.AI has not documented
    urls: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        """Completed with a picture to fetch; `completed` without one is not done yet: ask again."""
        return self.status == "completed" and bool(self.urls)


class AsyncImageCalls(UnifiedTaskCalls):
    """Mixed into Ai302Client: it brings `_call` and `_timeouts`."""

    async def create_image(self, payload: dict[str, Any]) -> str:
        """The paid call; its task id. `run_async` is a query parameter, as 302.AI's app sends it."""
        return await self._create_task(IMAGE_CREATE_PATH, payload, {"run_async": "true"}, "image/generate")

    async def fetch_image(self, task_id: str) -> ImageTaskStatus:
        body = await self._fetch_task(IMAGE_FETCH_PATH, task_id, "image/fetch")
        return ImageTaskStatus((text_of(body.get("status")) or "unknown").lower(), _urls(body))
