"""An async client for the 302.AI endpoints reelbot uses. It raises only bot.errors types."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import yarl

from bot.ai302.downloads import GuardedResolver, Reach, RefusedAddress, read_body
from bot.ai302.images import IMAGE_FETCH_PATH, AsyncImageCalls
from bot.ai302.translate import Reply, read_json, unsure
from bot.ai302.v2 import FETCH_PATH, UnifiedVideoCalls, text_of
from bot.errors import DownloadFailed, OutcomeUnknown, RetryLater
from bot.proxies import proxy_for_url

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

    @property
    def known(self) -> bool:
        return self.status in ("Queueing", "Preparing", "Processing", "Success")

    @property
    def stage(self) -> str:
        """The progress stage a member is shown; an undocumented status reads as Processing."""
        return self.status if self.status in ("Queueing", "Preparing", "Processing") else "Processing"


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


# Errors raised before the request left this machine: 302.AI cannot have received it. A
# connect timeout includes the wait for a free connection of the pool. (ConnectionTimeoutError
# is a kind of ServerTimeoutError, which a read timeout after sending also is: order matters.)
# A proxy that refuses the CONNECT (ClientHttpProxyError) has not passed anything on either.
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL,
             aiohttp.NonHttpUrlClientError, aiohttp.ClientHttpProxyError)
_FAILED = (aiohttp.ClientError, asyncio.TimeoutError)
_REDIRECTS = (301, 302, 303, 307, 308)
MAX_REPLY_BYTES = 4 * 1024 * 1024  # 302.AI's JSON replies are a few KB; more is not a reply of theirs
MAX_HOPS = 5


class _TooLarge(Exception):
    """An API reply longer than the client reads."""


async def _read_capped(reply: aiohttp.ClientResponse, cap: int) -> bytes:
    if reply.content_length is not None and reply.content_length > cap:
        raise _TooLarge
    body = bytearray()
    async for chunk in reply.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > cap:
            raise _TooLarge
    return bytes(body)


def _route(session: aiohttp.ClientSession, url: str) -> str | None:
    """The proxy to reach `url` through, or ValueError saying why nothing can be sent to it."""
    if session.closed:  # shutting down
        raise ValueError("the client is closed")
    try:
        return proxy_for_url(url)
    except ValueError:  # urlsplit's complaint, as of a broken IPv6 address
        raise ValueError("malformed URL") from None


def _endpoint(path: str) -> str:
    """The endpoint `path` calls, as metrics name it: a v2 fetch without its task id, so that
    every task does not make a series of its own."""
    for prefix in (FETCH_PATH, IMAGE_FETCH_PATH):
        if path.startswith(prefix):
            return prefix + "{task_id}"
    return path


class Ai302Client(UnifiedVideoCalls, AsyncImageCalls):
    """One per process: it owns the connection pool. Use as `async with Ai302Client(...)`.
The unified v2 video calls come from UnifiedVideoCalls (bot.ai302.v2), the asynchronous
image calls from AsyncImageCalls (bot.ai302.images).

    On aiohttp rather than httpx: 5,000 status queries through 32 connections took 0.09 ms of
    CPU each here against 1.2 ms through httpx, whose pool visits every connection on every
    request (bench/client_bench.py); a resume asks about thousands of videos at once.
    """

    def __init__(self, base_url: str, api_key: str, *, timeouts: Timeouts | None = None,
                 max_connections: int = 64, reach: Reach | None = None, max_reply_bytes: int = MAX_REPLY_BYTES,
                 observe: Callable[[str, float, BaseException | None], None] | None = None):
        self._base, self._key = base_url.rstrip("/"), api_key
        # where result downloads may connect; the API's own origin is trusted with the key already
        self._reach = reach or Reach(trusted_origin=self._base)
        self._max_reply = max_reply_bytes
        self._observe = observe  # (endpoint, seconds, error or None) after every call: metrics
        self._timeouts = timeouts or Timeouts()
        self._max_connections = max_connections
        self._http: aiohttp.ClientSession | None = None
        self._downloads: aiohttp.ClientSession | None = None

    def _sessions(self) -> tuple[aiohttp.ClientSession, aiohttp.ClientSession]:
        # made on first use, inside the event loop that will run them
        if self._http is None or self._downloads is None:
            def session(**kw: Any) -> aiohttp.ClientSession:
                # proxies from the environment are honoured per request, as httpx did (_proxy)
                return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._max_connections, **kw))
            # The key goes with each API request, not as a session default: aiohttp copies a
            # session's default Authorization into the CONNECT it sends an https proxy.
            self._http = session()
            # Results live on other hosts: they must never receive the API key, and they
            # connect only to addresses the policy checked (the resolver pins them).
            self._downloads = session(resolver=GuardedResolver(self._reach))
        return self._http, self._downloads

    def _timeout(self, read: float, *, bounded: bool) -> aiohttp.ClientTimeout:
        # sock_read starts only once the body is written, and nothing else bounds the writing
        # of a large body (an image to animate is megabytes) to a peer that stops reading: so
        # API calls also get an overall limit. Downloads send no body; a large file may take long.
        total = self._timeouts.connect + 2 * read if bounded else None
        return aiohttp.ClientTimeout(total=total, connect=self._timeouts.connect, sock_read=read)

    async def __aenter__(self) -> Ai302Client:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for session in (self._http, self._downloads):
            if session is not None:
                await session.close()

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
            self._observe(_endpoint(path), time.perf_counter() - started, error)

    async def _request(self, method: str, path: str, *, paid: bool = False, timeout: float | None = None,
                       **kwargs) -> dict[str, Any]:
        http, _ = self._sessions()
        url = f"{self._base}{path}"
        try:
            proxy = _route(http, url)
        except ValueError as why:
            raise RetryLater(f"{method} {path} was not sent: {why}") from None
        headers = {"Authorization": f"Bearer {self._key}"}
        if (payload := kwargs.pop("json", None)) is not None:
            # From a buffer, which aiohttp writes in chunks and waits to drain: an image to
            # animate makes a body of megabytes, which as plain bytes would go in one write.
            kwargs["data"] = io.BytesIO(json.dumps(payload).encode())
            headers["Content-Type"] = "application/json"
        try:
            # no redirects: a 3xx from the API is unexpected, and must not carry the key elsewhere
            async with http.request(method, url, headers=headers,
                                    timeout=self._timeout(timeout or self._timeouts.lookup, bounded=True),
                                    allow_redirects=False, proxy=proxy, **kwargs) as reply:
                response = Reply(reply.status, path, await _read_capped(reply, self._max_reply),
                                 reply.headers.get("Retry-After"))
        except _TooLarge:
            # an answer we did not read to its end is an unclear answer: for a paid call, unknown
            raise unsure(f"{method} {path}: reply longer than {self._max_reply} bytes", paid) from None
        except _NOT_SENT as exc:
            raise RetryLater(f"{method} {path} was not sent: {type(exc).__name__}") from None
        except _FAILED as exc:
            # sent, or partly sent: 302.AI may have taken it
            raise unsure(f"{method} {path} failed after sending: {type(exc).__name__}", paid) from None
        return read_json(response, self._key, paid=paid)

    async def _paid(self, path: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """A paid POST. Raises OutcomeUnknown when 302.AI may have taken it without saying so."""
        return await self._call("POST", path, json=payload, paid=True, timeout=timeout)

    async def submit_video(self, payload: dict[str, Any]) -> str:
        body = await self._paid("/minimaxi/v1/video_generation", payload, self._timeouts.submit)
        task_id = text_of(body.get("task_id"))
        if task_id is None:
            raise OutcomeUnknown("video_generation reply has no task_id")
        return task_id

    async def query_video(self, task_id: str) -> VideoStatus:
        body = await self._call("GET", "/minimaxi/v1/query/video_generation", params={"task_id": task_id})
        # An undocumented status is taken as "still running": the deadline ends it if it never
        # settles, and a finished, paid-for video is not thrown away on a guess.
        status = text_of(body.get("status")) or "Unknown"
        return VideoStatus(status, text_of(body.get("file_id")))

    async def retrieve_file(self, file_id: str) -> FileInfo:
        body = await self._call("GET", "/minimaxi/v1/files/retrieve", params={"file_id": file_id})
        file = body.get("file") if isinstance(body.get("file"), dict) else {}
        url = text_of(file.get("download_url"))
        if url is None:
            raise RetryLater("files/retrieve reply has no download_url")
        return FileInfo(text_of(file.get("file_id")) or file_id, url, text_of(file.get("filename")) or "output.mp4")

    async def minimax_image(self, payload: dict[str, Any]) -> list[str]:
        """An accepted call that names no image may still have been billed: OutcomeUnknown."""
        body = await self._paid("/minimaxi/v1/image_generation", payload, self._timeouts.image)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        urls = [u for u in map(text_of, data.get("image_urls") or []) if u]
        if not urls:
            raise OutcomeUnknown("image_generation reply names no image")
        return urls

    async def unified_image(self, payload: dict[str, Any]) -> str:
        body = await self._paid("/302/image/generate", payload, self._timeouts.image)
        url = text_of(body.get("image_url"))
        if url is None:
            raise OutcomeUnknown("image/generate reply has no image_url")
        return url

    async def download(self, url: str, limit: int) -> bytes | None:
        """The file at `url`, or None when it is larger than `limit` bytes (stops reading there).
        Redirects are followed by hand, each hop checked like the first (bot.ai302.downloads)."""
        if not url.startswith(("https://", "http://")):
            raise DownloadFailed(f"refusing to download from a non-HTTP URL: {url[:40]!r}")
        _, downloads = self._sessions()
        for _hop in range(MAX_HOPS + 1):
            try:
                proxy = _route(downloads, url)
            except ValueError as why:
                raise DownloadFailed(f"download not started: {why}: {url[:40]!r}") from None
            if (why := self._reach.refusal(url)) is not None:
                raise DownloadFailed(f"download refused: {why}")
            try:
                async with downloads.get(url, timeout=self._timeout(self._timeouts.download, bounded=False),
                                         proxy=proxy, allow_redirects=False) as response:
                    if response.status in _REDIRECTS and "Location" in response.headers:
                        url = str(response.url.join(yarl.URL(response.headers["Location"])))
                        continue
                    return await read_body(response, limit)
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, RefusedAddress):
                    raise DownloadFailed(f"download refused: {exc.os_error}") from None
                raise DownloadFailed(f"download failed: {type(exc).__name__}") from None
            except (_FAILED + (ValueError,)) as exc:  # ValueError: a Location yarl cannot parse
                raise DownloadFailed(f"download failed: {type(exc).__name__}") from None
        raise DownloadFailed(f"download failed: more than {MAX_HOPS} redirects")

