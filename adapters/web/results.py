"""A job's result shown on its page (an <img> or a <video controls>), served by the console
itself from `/jobs/{id}/result` rather than linked from 302.AI's file hosts.

Why a proxy and not those hosts in the Content-Security-Policy: the hosts vary by model and
provider (302.AI's own, each provider's CDN), so allowing them would mean `img-src https:`,
which lets any page text pull from anywhere; and the operator's browser would send its
address to each of them. Through the console the policy stays `'self'`, and the download is
the bot's own (bot.ai302.client.download): only public addresses or REELBOT_DOWNLOAD_ALLOW
(bot.ai302.downloads), each redirect checked, the size capped at REELBOT_MAX_DOWNLOAD_MB.
Only bytes that are an image or a video by their first bytes are served, with that media
type, so a file host answering HTML can never put a page on the console's origin.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from adapters.web.shared import CONSOLE, DESK
from bot.domain.job import JobState
from bot.errors import DownloadFailed
from bot.history import URL_LIFETIME

__all__ = ["reachable", "media_kind", "result", "ResultFiles"]

log = logging.getLogger(__name__)

_SIGNATURES = (  # (offset, bytes, media type)
    (0, b"\x89PNG\r\n\x1a\n", "image/png"), (0, b"\xff\xd8\xff", "image/jpeg"), (0, b"GIF8", "image/gif"),
    (8, b"WEBP", "image/webp"), (4, b"ftyp", "video/mp4"), (0, b"\x1a\x45\xdf\xa3", "video/webm"),
)


def reachable(job: dict, now: float) -> bool:
    """Whether 302.AI still serves the job's result at its stored URL (bot.history's rule)."""
    url = job.get("result_url") or ""
    if not url.startswith(("https://", "http://")) or job.get("state") not in (JobState.READY, JobState.DELIVERED):
        return False
    return now - (job.get("ready_at") or job.get("finished_at") or job["created_at"]) < URL_LIFETIME


def media_kind(job: dict) -> str:
    """"image" or "video": which element the page shows."""
    return "image" if job.get("command") == "image" else "video"


def _media_type(data: bytes) -> str | None:
    return next((kind for at, magic, kind in _SIGNATURES if data[at:at + len(magic)] == magic), None)


class ResultFiles:
    """Downloads for the console, one at a time, the last one kept: a <video> asks for its
    file more than once, and an operator looking at one job should cost one download."""

    def __init__(self, client, limit: int):
        self._client, self._limit = client, limit
        self._one = asyncio.Lock()
        self._last: tuple[str, bytes, str] | None = None  # url, bytes, media type

    async def get(self, url: str) -> tuple[bytes, str]:
        async with self._one:
            if self._last is not None and self._last[0] == url:
                return self._last[1], self._last[2]
            data = await self._client.download(url, self._limit)
            if data is None:
                raise web.HTTPRequestEntityTooLarge(self._limit, 0, text="The result is larger than the download cap.")
            kind = _media_type(data)
            if kind is None:
                raise web.HTTPBadGateway(text="302.AI's file host answered with something that is not a picture "
                                              "or a video.")
            self._last = (url, data, kind)
            return data, kind

    async def close(self) -> None:
        await self._client.aclose()


async def result(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    job_id = request.match_info["job_id"]
    row = await request.app[DESK].db.fetchone(
        "SELECT state, command, result_url, ready_at, finished_at, created_at FROM jobs WHERE id = ?", (job_id,))
    if row is None or not reachable(dict(row), console.clock()):
        raise web.HTTPGone(text="This result has expired: 302.AI no longer serves it.")
    try:
        data, kind = await console.results.get(row["result_url"])
    except DownloadFailed as failed:
        log.warning("console: job %s's result could not be fetched: %s", job_id, failed)
        raise web.HTTPBadGateway(text="302.AI's file host did not give the result.") from None
    # private: the page's no-store would make a <video> fetch its file again on every seek
    return web.Response(body=data, content_type=kind, headers={"Cache-Control": "private, max-age=300",
                                                               "Content-Disposition": "inline"})
