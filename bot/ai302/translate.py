"""Turns 302.AI's two layers of errors into the core's error types.

Layer 1 is the HTTP status with 302.AI's `{"error": {...}}` envelope; layer 2 is MiniMax's
`base_resp.status_code`, which arrives inside an HTTP 200.

A paid call (a video submission, an image generation) is not idempotent: whether a failure
may be retried depends on whether it proves that 302.AI did not take the request. Only a
rate limit (429, 1002) or "no model available" (503) proves that; any other unclear outcome
of a paid call becomes OutcomeUnknown. A free call (query, file lookup) may always be retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.errors import (
    Ai302Error, AuthFailed, BadParameters, BalanceTooLow, ContentFlagged, OutcomeUnknown, Rejected, RetryLater,
)

__all__ = ["Reply", "read_json", "check_base_resp", "unsure"]


@dataclass(frozen=True)
class Reply:
    """What the translation needs of an HTTP reply, whichever HTTP library brought it."""

    status: int
    path: str  # the request's path, for messages
    content: bytes
    retry_after: str | None = None  # the Retry-After header

    def json(self) -> Any:
        return json.loads(self.content)


class _Unsure:
    """Marker: the call may or may not have been carried out (RetryLater if free, else OutcomeUnknown)."""


_CODES: dict[int, type[Ai302Error] | type[_Unsure]] = {
    1000: _Unsure,  # MiniMax "unknown error"
    1001: _Unsure,  # request timed out (on their side: it may still run)
    1002: RetryLater,  # rate limited: refused before any work
    1004: AuthFailed,
    1008: BalanceTooLow,
    1013: _Unsure,  # internal service error
    1026: ContentFlagged,
    1027: ContentFlagged,
    2013: BadParameters,
    2049: AuthFailed,
    -10010: ContentFlagged,  # 302.AI's own content check, seen inside HTTP 500 envelopes
    -10005: RetryLater,  # 302.AI's rate limit
}


def unsure(detail: str, paid: bool, **kw: Any) -> Ai302Error:
    if paid:
        kw.pop("retry_after", None)
        return OutcomeUnknown(detail, **kw)
    return RetryLater(detail, **kw)


def _status_error(status: int) -> type[Ai302Error] | type[_Unsure]:
    if status in (429, 503):  # rate limited / no model available: nothing was started
        return RetryLater
    if status >= 500:
        return _Unsure
    if status in (401, 403):
        return AuthFailed
    if status == 402:
        return BalanceTooLow
    return BadParameters


def _retry_after(response: Reply) -> float | None:
    try:
        return max(0.0, float(response.retry_after or ""))
    except ValueError:
        return None


def _envelope_code(response: Reply) -> int | None:
    """A code carried in the error envelope (e.g. 1026) says more than the HTTP status."""
    try:
        code = (response.json().get("error") or {}).get("err_code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def _describe(response: Reply, redact: str) -> str:
    text = response.content[:300].decode("utf-8", "replace")
    try:
        err = response.json().get("error") or {}
        text = f"{err.get('err_code')} {err.get('message')}"
    except (ValueError, AttributeError):
        pass
    detail = f"HTTP {response.status} from {response.path}: {text}"
    # Some services echo the key they refused; it must not reach a log line.
    return detail.replace(redact, "***") if redact else detail


def _raise(kind: type[Ai302Error] | type[_Unsure], detail: str, paid: bool, **kw: Any) -> None:
    if kind is _Unsure:
        raise unsure(detail, paid, **kw)
    if kind is not RetryLater:
        kw.pop("retry_after", None)
    raise kind(detail, **kw)  # type: ignore[misc]


def read_json(response: Reply, redact: str, *, paid: bool = False) -> dict[str, Any]:
    """The body of a successful reply, or the right error for a failed or garbled one."""
    path = response.path
    if response.status >= 400:
        kind = _CODES.get(_envelope_code(response)) or _status_error(response.status)
        _raise(kind, _describe(response, redact), paid, status=response.status,
               retry_after=_retry_after(response))
    try:
        body = json.loads(response.content)
    except ValueError:
        raise unsure(f"garbled reply from {path}: not JSON", paid, status=response.status) from None
    if not isinstance(body, dict):
        raise unsure(f"garbled reply from {path}: not an object", paid, status=response.status)
    check_base_resp(body, path, paid=paid)
    return body


def check_base_resp(body: dict[str, Any], where: str, *, paid: bool = False) -> None:
    base = body.get("base_resp")
    if not isinstance(base, dict):
        return
    code = base.get("status_code", 0)
    if code in (0, None):
        return
    kind = _CODES.get(code) if isinstance(code, int) else _Unsure
    if kind is None:
        # A code we do not know says no more than "something is off". With a task id beside
        # it 302.AI may well have started (and billed) the work: unclear, not a refusal.
        kind = _Unsure if body.get("task_id") else Rejected
    _raise(kind, f"{where}: status_code {code} {base.get('status_msg', '')}".strip(), paid,
           code=code if isinstance(code, int) else None)
