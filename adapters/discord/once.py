"""Posting once on Discord, where an answer can be lost after the message exists.

discord.py retries a request that Discord answered with a 5xx. For an edit that is harmless;
for a new message it can post twice (an edge times out after Discord created the message).
Channel posts carry a nonce with `enforce_nonce`, so Discord itself turns a repeat into the
first message. Webhook follow-ups (an interaction's messages) cannot carry one, so for them
the retry is switched off: a 5xx becomes PostUncertain, and the caller looks in the channel
before posting again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from discord.webhook.async_ import AsyncWebhookAdapter, async_context

__all__ = ["PostUncertain", "no_retry", "nonce_for"]


class PostUncertain(Exception):
    """Discord answered a new message with a server error: it may or may not exist."""

    def __init__(self, status: int):
        super().__init__(f"Discord answered HTTP {status}; the message may have been created")
        self.status = status


def nonce_for(kind: str, job_id: str) -> str:
    # Discord keeps nonces (at most 25 characters) for a few minutes: enough for its retries
    return f"rb{kind}{job_id}"[:25]


class _Answer:
    """`session.request(...)` for one call, raising PostUncertain on a 5xx to a POST."""

    def __init__(self, request: Any, method: str):
        self._request, self._method = request, method

    async def __aenter__(self) -> Any:
        response = await self._request.__aenter__()
        if self._method == "POST" and response.status >= 500:
            await self._request.__aexit__(None, None, None)
            raise PostUncertain(response.status)
        return response

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._request.__aexit__(*exc)


class _Session:
    def __init__(self, session: Any):
        self._session = session

    def request(self, method: str, url: Any, **kwargs: Any) -> _Answer:
        return _Answer(self._session.request(method, url, **kwargs), method)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _OnceAdapter(AsyncWebhookAdapter):
    async def request(self, route: Any, session: Any, **kwargs: Any) -> Any:
        return await super().request(route, _Session(session), **kwargs)


@contextmanager
def no_retry() -> Iterator[None]:
    """Webhook calls made inside (in this task) are not retried on a 5xx."""
    token = async_context.set(_OnceAdapter())
    try:
        yield
    finally:
        async_context.reset(token)
