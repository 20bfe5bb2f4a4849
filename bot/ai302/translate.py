"""Turns 302.AI's two layers of errors into the core's error types.

Layer 1 is the HTTP status with 302.AI's `{"error": {...}}` envelope; layer 2 is MiniMax's
`base_resp.status_code`, which arrives inside an HTTP 200.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.errors import (
    Ai302Error, AuthFailed, BadParameters, BalanceTooLow, ContentFlagged, Rejected, RetryLater,
)

__all__ = ["read_json", "check_base_resp"]

_BASE_RESP: dict[int, type[Ai302Error]] = {
    1000: RetryLater,  # MiniMax "unknown error", transient in practice
    1001: RetryLater,  # request timed out
    1002: RetryLater,  # rate limited
    1004: AuthFailed,
    1008: BalanceTooLow,
    1013: RetryLater,  # internal service error
    1026: ContentFlagged,
    1027: ContentFlagged,
    2013: BadParameters,
    2049: AuthFailed,
}


def _status_error(status: int) -> type[Ai302Error]:
    if status == 429 or status >= 500:
        return RetryLater
    if status in (401, 403):
        return AuthFailed
    return BadParameters


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _envelope_code(response: httpx.Response) -> int | None:
    """A MiniMax code carried in the error envelope (e.g. 1026) says more than the HTTP status."""
    try:
        code = (response.json().get("error") or {}).get("err_code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def _describe(response: httpx.Response, redact: str) -> str:
    text = response.text[:300]
    try:
        err = response.json().get("error") or {}
        text = f"{err.get('err_code')} {err.get('message')}"
    except (ValueError, AttributeError):
        pass
    detail = f"HTTP {response.status_code} from {response.request.url.path}: {text}"
    # Some services echo the key they refused; it must not reach a log line.
    return detail.replace(redact, "***") if redact else detail


def read_json(response: httpx.Response, redact: str) -> dict[str, Any]:
    """The body of a successful reply, or the right error for a failed or garbled one."""
    if response.status_code >= 400:
        kind = _BASE_RESP.get(_envelope_code(response)) or _status_error(response.status_code)
        kwargs = {"retry_after": _retry_after(response)} if kind is RetryLater else {}
        raise kind(_describe(response, redact), status=response.status_code, **kwargs)
    try:
        body = json.loads(response.content)
    except ValueError:
        raise RetryLater(f"garbled reply from {response.request.url.path}: not JSON",
                         status=response.status_code) from None
    if not isinstance(body, dict):
        raise RetryLater(f"garbled reply from {response.request.url.path}: not an object")
    check_base_resp(body, response.request.url.path)
    return body


def check_base_resp(body: dict[str, Any], where: str) -> None:
    base = body.get("base_resp")
    if not isinstance(base, dict):
        return
    code = base.get("status_code", 0)
    if code in (0, None):
        return
    kind = _BASE_RESP.get(code, Rejected)
    raise kind(f"{where}: status_code {code} {base.get('status_msg', '')}".strip(), code=code)
