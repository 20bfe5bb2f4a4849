"""Bot API calls made without building PTB's objects, for the two calls every job makes.

An image costs the placeholder's sendPhoto (by its file_id) and the editMessageMedia that
puts the result in its place (adapters.telegram.in_place). PTB's way around a call inspects
every argument into a RequestParameter, inserts its defaults, and builds the answer into a
Message of about 100 attributes whose chat, photo sizes and markup are objects again. These
calls take plain JSON values and return the answer's JSON: about 0.15 ms less CPU an image
(3 %, in runs of bench/telegram_capacity.py alternating with PTB's calls; py-spy had put PTB's
share of the two calls far higher, but most of it was aiohttp's and the event loop's).

What matters stays PTB's: the same request object (adapters.telegram.transport, so the same
timeouts, proxies and logging), the same rate limiter with the same `rate_limit_args`
(adapters.telegram.flood.FloodGate) and the same errors (RetryAfter, BadRequest, Forbidden,
ChatMigrated, TimedOut, NetworkError), raised by PTB's own BaseRequest.post.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import BaseRequest, RequestData

__all__ = ["Upload", "call", "markup_json"]

# A file to send: (its file name, its bytes, its MIME type)
Upload = tuple[str, bytes, str]


async def call(bot: Bot, endpoint: str, params: dict[str, Any], *, files: dict[str, Upload] | None = None,
               rate_limit_args: dict | None = None, read_timeout: Any = BaseRequest.DEFAULT_NONE) -> Any:
    """POST `endpoint` with `params` (None values left out, others sent as PTB sends them: a
    string as it is, anything else as JSON) and `files` (form part name -> file: a parameter's
    name, or the name an attach:// URI in another parameter gives) through the bot's rate
    limiter, if it has one; returns the answer's `result`."""
    data = {key: value for key, value in params.items() if value is not None}
    request_data = _Parameters(data, files or {})
    request, url = bot.request, f"{bot.base_url}/{endpoint}"

    async def post() -> Any:
        return await request.post(url=url, request_data=request_data, read_timeout=read_timeout)

    gate = getattr(bot, "rate_limiter", None)
    if gate is None:
        return await post()
    return await gate.process_request(callback=post, args=(), kwargs={}, endpoint=endpoint, data=data,
                                      rate_limit_args=rate_limit_args)


class _Parameters(RequestData):
    """A call's parameters as PTB's transports read them (RequestData's public face: the
    values, their JSON, the files), made from plain values rather than PTB's objects."""

    __slots__ = ("_values", "_files")

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]):
        super().__init__()
        self._values, self._files = values, files
        self.contains_files = bool(files)

    @property
    def parameters(self) -> dict[str, Any]:
        return self._values

    @property
    def json_parameters(self) -> dict[str, str]:
        return {key: value if isinstance(value, str) else json.dumps(value) for key, value in self._values.items()}

    @property
    def multipart_data(self) -> dict[str, Upload]:
        return self._files


def markup_json(markup: InlineKeyboardMarkup | None) -> dict | None:
    """An inline keyboard as the Bot API's JSON (buttons of text and callback data built by
    hand, at an eighth of to_dict's cost; any other button by PTB)."""
    if markup is None:
        return None
    if markup.api_kwargs:
        return markup.to_dict()
    rows = []
    for row in markup.inline_keyboard:
        rows.append([{"text": button.text, "callback_data": button.callback_data}
                     if _plain(button) else button.to_dict() for button in row])
    return {"inline_keyboard": rows}


# every field a button may have but text and callback data (read from PTB's class, so a field
# a newer PTB adds is never dropped by the fast path)
_OTHER_FIELDS = tuple(name for name in InlineKeyboardButton.__slots__ if name not in ("text", "callback_data"))


def _plain(button: InlineKeyboardButton) -> bool:
    return (isinstance(button.callback_data, str) and not button.api_kwargs
            and all(getattr(button, name, None) is None for name in _OTHER_FIELDS))
