"""An async client for the 302.AI endpoints reelbot uses. It raises only bot.errors types."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.ai302.translate import read_json, unsure
from bot.errors import DownloadFailed, OutcomeUnknown, RetryLater

__all__ = ["Ai302Client", "VideoStatus", "FileInfo", "Timeouts"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoStatus:
    status: str  # Queueing, Preparing, Processing, Success, Fail, or a state 302.AI has not documented
    file_id: str | None = None

    @property
    def finished(self) -> bool:
        """Done with a file to fetch. `Success` without a file_id is not done yet: ask again."""
        return self.status == "Success" and self.file_id is not None

    @property
    def failed(self) -> bool:
        return self.status == "Fail"


@dataclass(frozen=True)
class FileInfo:
    file_id: str
    download_url: str
    filename: str


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for each kind of reply. A synchronous image generation legitimately
    takes far longer than a video submission, and a paid call that times out can never be
    re-sent, so each gets a limit that fits it."""

    lookup: float = 60.0  # free GETs: query, files/retrieve
    submit: float = 60.0  # video_generation: 302.AI answers with a task id at once
    image: float = 180.0  # image generation answers only when the picture exists
    download: float = 120.0
    connect: float = 10.0


# Errors raised before the request left this machine: 302.AI cannot have received it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _text(value: Any) -> str | None:
    """302.AI's ids and URLs as text, whatever JSON type they arrived in; None when absent."""
    if value is None or value == "" or isinstance(value, dict | list | bool):
        return None
    return str(value)


class Ai302Client:
    """One per process: it owns the connection pool. Use as `async with Ai302Client(...)`."""

    def __init__(self, base_url: str, api_key: str, *, timeouts: Timeouts | None = None,
                 max_connections: int = 64,
                 observe: Callable[[str, float, BaseException | None], None] | None = None):
        self._key = api_key
        self._observe = observe  # (endpoint, seconds, error or None) after every call: metrics
        self._timeouts = timeouts or Timeouts()
        t = self._timeouts
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(t.lookup, connect=t.connect), limits=limits,
            headers={"Authorization": f"Bearer {api_key}"})
        # Results live on other hosts: they must never receive the API key.
        self._downloads = httpx.AsyncClient(timeout=httpx.Timeout(t.download, connect=t.connect), limits=limits,
                                            follow_redirects=True)

    async def __aenter__(self) -> Ai302Client:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._downloads.aclose()

    async def _call(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        if self._observe is None:
            return await self._request(method, path, **kwargs)
        started, error = time.perf_counter(), None
        try:
            return await self._request(method, path, **kwargs)
        except Exception as exc:
            error = exc
            raise
        finally:
            self._observe(path, time.perf_counter() - started, error)

    async def _request(self, method: str, path: str, *, paid: bool = False, timeout: float | None = None,
                       **kwargs) -> dict[str, Any]:
        if timeout is not None:
            kwargs["timeout"] = httpx.Timeout(timeout, connect=self._timeouts.connect)
        try:
            response = await self._http.request(method, path, **kwargs)
        except _NOT_SENT as exc:
            raise RetryLater(f"{method} {path} was not sent: {type(exc).__name__}") from None
        except httpx.TransportError as exc:
            # sent, or partly sent: 302.AI may have taken it
            raise unsure(f"{method} {path} failed after sending: {type(exc).__name__}", paid) from None
        return read_json(response, self._key, paid=paid)

    async def _paid(self, path: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """A paid POST. Raises OutcomeUnknown when 302.AI may have taken it without saying so."""
        return await self._call("POST", path, json=payload, paid=True, timeout=timeout)

    async def submit_video(self, payload: dict[str, Any]) -> str:
        body = await self._paid("/minimaxi/v1/video_generation", payload, self._timeouts.submit)
        task_id = _text(body.get("task_id"))
        if task_id is None:
            raise OutcomeUnknown("video_generation reply has no task_id")
        return task_id

    async def query_video(self, task_id: str) -> VideoStatus:
        body = await self._call("GET", "/minimaxi/v1/query/video_generation", params={"task_id": task_id})
        # An undocumented status is taken as "still running": the deadline ends it if it never
        # settles, and a finished, paid-for video is not thrown away on a guess.
        status = _text(body.get("status")) or "Unknown"
        return VideoStatus(status, _text(body.get("file_id")))

    async def retrieve_file(self, file_id: str) -> FileInfo:
        body = await self._call("GET", "/minimaxi/v1/files/retrieve", params={"file_id": file_id})
        file = body.get("file") if isinstance(body.get("file"), dict) else {}
        url = _text(file.get("download_url"))
        if url is None:
            raise RetryLater("files/retrieve reply has no download_url")
        return FileInfo(_text(file.get("file_id")) or file_id, url, _text(file.get("filename")) or "output.mp4")

    async def minimax_image(self, payload: dict[str, Any]) -> list[str]:
        """An accepted call that names no image may still have been billed: OutcomeUnknown."""
        body = await self._paid("/minimaxi/v1/image_generation", payload, self._timeouts.image)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        urls = [u for u in map(_text, data.get("image_urls") or []) if u]
        if not urls:
            raise OutcomeUnknown("image_generation reply names no image")
        return urls

    async def unified_image(self, payload: dict[str, Any]) -> str:
        body = await self._paid("/302/image/generate", payload, self._timeouts.image)
        url = _text(body.get("image_url"))
        if url is None:
            raise OutcomeUnknown("image/generate reply has no image_url")
        return url

    async def download(self, url: str, limit: int) -> bytes | None:
        """The file at `url`, or None when it is larger than `limit` bytes (stops reading there)."""
        if not url.startswith(("https://", "http://")):
            raise DownloadFailed(f"refusing to download from a non-HTTP URL: {url[:40]!r}")
        try:
            async with self._downloads.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise DownloadFailed(f"download failed: HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    return None
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as exc:
            raise DownloadFailed(f"download failed: {type(exc).__name__}") from None
