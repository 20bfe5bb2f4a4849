"""An async client for the 302.AI endpoints reelbot uses. It raises only bot.errors types."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from bot.ai302.translate import read_json
from bot.errors import BadParameters, DownloadFailed, RetryLater

__all__ = ["Ai302Client", "VideoStatus", "FileInfo"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoStatus:
    status: str  # Queueing, Preparing, Processing, Success, Fail
    file_id: str | None = None


@dataclass(frozen=True)
class FileInfo:
    file_id: str
    download_url: str
    filename: str


class Ai302Client:
    """One per process: it owns the connection pool. Use as `async with Ai302Client(...)`."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 60.0, max_connections: int = 64):
        self._key = api_key
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(timeout, connect=10.0), limits=limits,
            headers={"Authorization": f"Bearer {api_key}"})
        # Results live on other hosts: they must never receive the API key.
        self._downloads = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=10.0), limits=limits,
                                            follow_redirects=True)

    async def __aenter__(self) -> Ai302Client:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._downloads.aclose()

    async def _call(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise RetryLater(f"{method} {path} timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise RetryLater(f"{method} {path} failed: {type(exc).__name__}") from None
        return read_json(response, self._key)

    async def submit_video(self, payload: dict[str, Any]) -> str:
        body = await self._call("POST", "/minimaxi/v1/video_generation", json=payload)
        task_id = body.get("task_id")
        if not task_id:
            raise RetryLater("video_generation reply has no task_id")
        return str(task_id)

    async def query_video(self, task_id: str) -> VideoStatus:
        body = await self._call("GET", "/minimaxi/v1/query/video_generation", params={"task_id": task_id})
        status = body.get("status")
        if status not in ("Queueing", "Preparing", "Processing", "Success", "Fail"):
            raise RetryLater(f"query reply has an unknown status {status!r}")
        file_id = body.get("file_id") or None
        if status == "Success" and not file_id:
            raise RetryLater("query reply says Success without a file_id")
        return VideoStatus(status, str(file_id) if file_id else None)

    async def retrieve_file(self, file_id: str) -> FileInfo:
        body = await self._call("GET", "/minimaxi/v1/files/retrieve", params={"file_id": file_id})
        file = body.get("file") or {}
        url = file.get("download_url")
        if not url:
            raise RetryLater("files/retrieve reply has no download_url")
        return FileInfo(str(file.get("file_id", file_id)), url, file.get("filename") or "output.mp4")

    async def minimax_image(self, payload: dict[str, Any]) -> list[str]:
        body = await self._call("POST", "/minimaxi/v1/image_generation", json=payload)
        urls = (body.get("data") or {}).get("image_urls") or []
        if not urls:
            raise BadParameters("image_generation returned no image")
        return list(urls)

    async def unified_image(self, payload: dict[str, Any]) -> str:
        body = await self._call("POST", "/302/image/generate", json=payload)
        url = body.get("image_url")
        if not url:
            raise BadParameters("image/generate returned no image_url")
        return str(url)

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
