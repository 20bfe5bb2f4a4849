"""PTB's HTTP client for Bot API calls, on aiohttp instead of httpx.

httpcore's pool visits every connection, and for each one counts the idle ones again, every
time it hands a connection out: with the dozens of connections a bot allowed hundreds of
messages a second needs against a Bot API 100 ms away (adapters.telegram.concurrency), that
was most of the bot's CPU (measured from outside with bench/telegram_capacity.py: 35 ms per
image at 150 connections against 16 ms at 16). aiohttp keeps idle connections in a queue per
host, and parses HTTP in C; the 302.AI client moved to it for the same reason
(bot.ai302.client).

It behaves as PTB's HTTPXRequest does where the bot relies on it: the same four timeouts
(and media_write_timeout for uploads), parameters (as JSON) and multipart uploads, HTTP(S)
proxies from the environment, and failures raised as PTB's TimedOut / NetworkError with the
aiohttp error as their cause, so `adapters.telegram.flood.patiently` can tell a call that
never left (no connection) from one Telegram may have taken. `observe`, if given, hears how
many seconds each call took, from sending it to reading its answer (the sizing of the calls
under way).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.proxies import proxy_for_url

__all__ = ["AiohttpRequest", "UpdatesRequest"]

log = logging.getLogger(__name__)


class AiohttpRequest(BaseRequest):
    __slots__ = ("_connections", "_timeouts", "_media_write_timeout", "_session", "_observe")

    def __init__(self, *, connection_pool_size: int = 16, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 observe: Callable[[float], None] | None = None):
        self._connections = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout
        self._observe = observe
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # keepalive as httpx's 5 s: an idle connection is not kept for long
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                limit=self._connections, keepalive_timeout=5.0))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        read = self._timeouts["read"] if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = self._timeouts["connect"] if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout
        pool = self._timeouts["pool"] if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        write = write_timeout
        if write is BaseRequest.DEFAULT_NONE:
            write = self._media_write_timeout if files else self._timeouts["write"]
        headers = {"User-Agent": self.USER_AGENT}
        if files:
            body, content_type = _multipart(request_data, files)
            if content_type:
                headers["Content-Type"] = content_type
        elif request_data and (parameters := request_data.parameters):
            # JSON, which the Bot API takes for every call without a file: one dumps of the
            # whole call, where a form encodes each value as JSON and then URL-encodes them all
            body = json.dumps(parameters, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        else:
            body = None
        started = time.monotonic()
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=_timeout(read, write, connect, pool),
                                             proxy=proxy_for_url(url), allow_redirects=False) as reply:
                body = await reply.read()
            # as httpx logged every request (the URL holds the token: adapters.telegram.redact hides it)
            log.debug('HTTP Request: %s %s "%d"', method, url, reply.status)
            if reply.status == 200 and url.rpartition("/")[2] in _EDITS:
                # No caller reads the message an edit returns, and PTB would build all of it
                # (its media, its markup) into objects: 0.15-0.25 ms a call. Telegram answers
                # an edit of an inline message with `true`; the bot gets that answer here.
                return 200, _EDITED
            return reply.status, body
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # the type alone: the text of some aiohttp errors quotes the URL, and the URL the token
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err
        finally:
            if self._observe is not None and method == "POST":
                self._observe(time.monotonic() - started)

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        """The answer, without what no caller reads of a message the bot sent: PTB builds every
        field of it into objects (a Message has about 100 attributes; the markup, the sender
        and each photo size are objects of their own), and at 200 images a second that was a
        tenth of the bot's CPU. Kept: the ids, the chat, the date, the media with a photo's
        largest size (the file_id the placeholder reuses), the caption and text. Dropped: the
        member's command Telegram sends back with every reply, the bot's own markup, entities
        and `from` (the bot itself). Updates (getUpdates) are left whole: their items are
        updates, not messages."""
        data = super().parse_json_payload(payload)
        result = data.get("result")
        if isinstance(result, dict):
            _trim_sent(result)
        elif isinstance(result, list):  # sendMediaGroup: a list of messages
            for item in result:
                if isinstance(item, dict):
                    _trim_sent(item)
        return data


_EDITS = frozenset({"editMessageText", "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup"})
_EDITED = b'{"ok":true,"result":true}'
_UNREAD = ("reply_to_message", "reply_markup", "entities", "caption_entities", "from")


def _trim_sent(result: dict) -> None:
    if "message_id" not in result or "update_id" in result:
        return
    for key in _UNREAD:
        result.pop(key, None)
    if photo := result.get("photo"):
        result["photo"] = photo[-1:]  # Telegram lists the sizes smallest first


class UpdatesRequest(HTTPXRequest):
    """PTB's own client for getUpdates (one long poll at a time), which also keeps the answer's
    updates as Telegram sent them (`take`): the inbox stores that JSON, where turning the
    Update objects PTB built back into dicts (to_dict) cost as much as building them."""

    __slots__ = ("_raw",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._raw: list[dict] | None = None

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        data = super().parse_json_payload(payload)
        result = data.get("result")
        self._raw = result if isinstance(result, list) else None
        return data

    def take(self) -> list[dict] | None:
        """The updates of the last answer (None if none since the last take)."""
        raw, self._raw = self._raw, None
        return raw


def _timeout(read: float | None, write: float | None, connect: float | None,
             pool: float | None) -> aiohttp.ClientTimeout:
    # aiohttp's `connect` covers waiting for a free connection and opening a new one; it has
    # no write timeout, so the whole call is bounded by the sum of its phases.
    phases = (read, write, connect, pool)
    total = None if None in phases else sum(phases)
    wait = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=wait, sock_connect=connect, sock_read=read)


# Files up to this many bytes in all are sent as one multipart body built here: aiohttp's
# FormData makes a payload object with its own headers of every field, a third of the CPU of
# an editMessageMedia. Larger ones (videos) are streamed by FormData, not copied into a body.
_BUILT_BODY_LIMIT = 10 * 1024 * 1024


def _multipart(request_data: RequestData, files: dict) -> tuple[Any, str | None]:
    """The body of a call with files (multipart/form-data, RFC 7578) and its Content-Type
    (None: FormData's own, set by aiohttp)."""
    contents = [content for _, content, _ in files.values()]
    if not all(isinstance(c, bytes) for c in contents) or sum(map(len, contents)) > _BUILT_BODY_LIMIT:
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mimetype) in files.items():
            # as a stream: aiohttp warns that a large body of raw bytes holds up the event loop
            stream = io.BytesIO(content) if isinstance(content, bytes) else content
            form.add_field(name, stream, filename=filename, content_type=mimetype)
        return form, None
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in request_data.json_parameters.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode())
        parts.append(value.encode())
        parts.append(b"\r\n")
    for name, (filename, content, mimetype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"; '
                     f'filename="{_quoted(filename)}"\r\nContent-Type: {mimetype}\r\n\r\n'.encode())
        parts.append(content)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    # over a megabyte, as a stream: aiohttp warns that a large body of raw bytes holds up the loop
    return (io.BytesIO(body) if len(body) > aiohttp.payload.TOO_LARGE_BYTES_BODY else body,
            f"multipart/form-data; boundary={boundary}")


def _quoted(text: str) -> str:
    """A name in a Content-Disposition header, escaped as browsers do (HTML's form encoding),
    and `%` and `\\` too: Telegram's server URL-decodes the name and reads a backslash as an
    escape."""
    return "".join(_ESCAPES.get(c, c) for c in text)


_ESCAPES = {'"': "%22", "\r": "%0D", "\n": "%0A", "%": "%25", "\\": "%5C"}
