"""302.AI's callbacks: each job's unguessable address, and the door that answers them.

A callback is a wake-up, never the truth. Neither MiniMax's `callback` nor the unified
interface's `webhook` is signed, so anyone who learns a job's address can post anything to
it. The door therefore believes nothing a callback says: it answers at once (MiniMax's
`{"challenge": …}` echoed, 200 otherwise) and its only effect is to wake that job's
sleeping poll (bot.jobs.wakeups), which asks 302.AI itself with a free status query. A
forged or replayed callback costs one free query and changes nothing.

Each job's path is `<public path>/callbacks/<job id>/<HMAC-SHA256 of the job id>`, under a
secret made once and kept in the database (every worker of a shared store agrees on it, and
a restart keeps the addresses of jobs in flight). A path whose HMAC does not match is a 404
found without touching the database; bodies over 64 KB are refused; each source address gets
a token bucket of requests.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web

__all__ = ["CallbackAddress", "CallbackDoor", "RateLimit", "load_secret", "MAX_BODY", "check_public_url"]

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a status callback is a few hundred bytes
_JOB_ID = "[A-Za-z0-9_-]{1,64}"


def check_public_url(url: str) -> str:
    """The public base URL, or ValueError: https, or http only for a loopback address (a test,
    or a bench on this machine): a callback path sent in clear could be read on the way."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("should look like https://bot.example.com or https://example.com/reelbot")
    if parts.scheme == "http":
        try:
            loopback = ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = parts.hostname == "localhost"
        if not loopback:
            raise ValueError("must be https (http only for a loopback address such as 127.0.0.1)")
    return url.rstrip("/")


async def load_secret(db) -> bytes:
    """The callback secret, made by the first process that asks (the others read the same row)."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO callback_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                           (secrets.token_hex(32),))
    row = await db.fetchone("SELECT secret FROM callback_secret WHERE id = 1")
    return bytes.fromhex(row["secret"])


class CallbackAddress:
    """Where 302.AI is told to call back for a job, and the check that a path is one of ours."""

    def __init__(self, public_url: str, secret: bytes):
        self.base = check_public_url(public_url)
        self.prefix = urllib.parse.urlsplit(self.base).path  # the listener serves the same path
        self._secret = secret

    def _token(self, job_id: str) -> str:
        return hmac.new(self._secret, job_id.encode(), hashlib.sha256).hexdigest()

    def url_for(self, job_id: str) -> str:
        return f"{self.base}/callbacks/{job_id}/{self._token(job_id)}"

    def verify(self, job_id: str, token: str) -> bool:
        return hmac.compare_digest(self._token(job_id).encode(), token.encode())

    @property
    def route(self) -> str:
        return f"{self.prefix}/callbacks/{{job_id:{_JOB_ID}}}/{{token}}"


class RateLimit:
    """A token bucket per source address: `rate` requests a second, bursts of `burst`. At most
    `keep` addresses are remembered (the least recently seen are forgotten first)."""

    def __init__(self, rate: float, burst: float, *, keep: int = 4096, clock: Callable[[], float] = time.monotonic):
        self._rate, self._burst, self._keep, self._clock = rate, burst, keep, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address -> (tokens, at)

    def allow(self, source: str) -> bool:
        now = self._clock()
        tokens, at = self._buckets.pop(source, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._keep:
            self._buckets.popitem(last=False)
        return allowed


class CallbackDoor:
    """The aiohttp handler for callbacks. `wake(job_id)` wakes that job's poll if it runs here
    and says whether it did; nothing else is done with a callback."""

    def __init__(self, address: CallbackAddress, wake: Callable[[str], bool], limit: RateLimit):
        self.address, self._wake, self._limit = address, wake, limit
        self.answered: dict[int, int] = {}  # HTTP status -> how many callbacks got it (the operator's view)

    def install(self, app: web.Application) -> None:
        app.router.add_route("POST", self.address.route, self.handle)
        app.router.add_route("GET", self.address.route, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        reply = await self._answer(request)
        self.answered[reply.status] = self.answered.get(reply.status, 0) + 1
        return reply

    async def _answer(self, request: web.Request) -> web.Response:
        # rate first: guessing paths is limited like everything else
        if not self._limit.allow(_source(request)):
            return web.json_response({"error": "too many requests"}, status=429, headers={"Retry-After": "1"})
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": "body too large"}, status=413)
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.json_response({"error": "body too large"}, status=413)
        job_id, token = request.match_info["job_id"], request.match_info["token"]
        if not self.address.verify(job_id, token):
            return web.json_response({"error": "not found"}, status=404)
        challenge = _challenge(body)
        if challenge is not None:
            # MiniMax's check that the address is ours: the same JSON back, within 3 s
            return web.json_response({"challenge": challenge})
        woken = self._wake(job_id)
        log.debug("job %s: callback received (%s)", job_id, "poll woken" if woken else "not polled here")
        return web.json_response({"ok": True})


def _challenge(body: bytes):
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None  # not JSON: still a wake-up, as any callback is
    return data.get("challenge") if isinstance(data, dict) else None


def _source(request: web.Request) -> str:
    """The caller's address. Behind a reverse proxy on this host (a loopback peer), the last
    X-Forwarded-For entry: the one the proxy itself appended; earlier entries are the
    caller's own claims and are not read."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For")
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip() or peer
    return peer
