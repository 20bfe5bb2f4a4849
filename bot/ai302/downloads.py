"""Where a result download may connect: a result URL comes from 302.AI's reply (or a redirect
from its file host), so it must not reach the bot's own machine or network — its /metrics, a
cloud's metadata address, a router's admin page — and have those bytes posted into a chat.

Public addresses are allowed. Loopback, private, link-local, multicast, unspecified and
reserved ones are refused unless the operator allows them (`REELBOT_DOWNLOAD_ALLOW`, a list of
addresses or networks, each optionally with `:port`), or they are the 302.AI base URL's own
host and port (the simulator, or a local gateway the API key already goes to). A host name is
checked at connection time by `GuardedResolver`, which hands aiohttp only the addresses it
checked, so a second DNS answer cannot swap in another (the connection is made to what was
checked). An address written in the URL is checked by `Reach.refusal` before each hop.
Through an HTTP proxy the operator named (HTTP_PROXY / HTTPS_PROXY) the proxy resolves host
names, so there only address literals are checked; hosts in NO_PROXY connect directly and are.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import ClientResponse
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.errors import DownloadFailed

__all__ = ["Reach", "Allowance", "parse_allowance", "GuardedResolver", "RefusedAddress", "read_body"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedAddress(OSError):
    """A result host that resolves to an address downloads may not reach."""


@dataclass(frozen=True)
class Allowance:
    network: Network
    port: int | None = None  # None: any port

    def covers(self, address: Address, port: int) -> bool:
        return address in self.network and self.port in (None, port)


def parse_allowance(raw: str) -> tuple[Allowance, ...]:
    """`127.0.0.1:8080,10.0.0.0/8,[::1]:9000,::1` -> allowances; ValueError naming a bad item."""
    allowed = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        host, port = item, None
        if item.startswith("["):  # [v6]:port
            host, _, rest = item[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
            if rest and port is None:
                raise ValueError(item)
        elif item.count(":") == 1:  # v4:port (a bare v6 address has several colons)
            host, _, digits = item.partition(":")
            if not digits.isdigit():
                raise ValueError(item)
            port = int(digits)
        try:
            allowed.append(Allowance(ipaddress.ip_network(host, strict=False), port))
        except ValueError:
            raise ValueError(item) from None
    return tuple(allowed)


def _special(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _special(address.ipv4_mapped)  # ::ffff:127.0.0.1 is loopback too
    return (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
            or address.is_unspecified or address.is_reserved or not address.is_global)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class Reach:
    """The download policy: which (address, port) a result download may connect to."""

    def __init__(self, allowed: Iterable[Allowance] = (), *, trusted_origin: str | None = None):
        self._allowed = tuple(allowed)
        parts = urllib.parse.urlsplit(trusted_origin) if trusted_origin else None
        self._origin = (parts.hostname or "", parts.port or _default_port(parts.scheme)) if parts else None

    def _trusted(self, host: str, port: int) -> bool:
        """The API's own origin, or an HTTP proxy the operator named in the environment."""
        if self._origin == (host.lower(), port):
            return True
        for proxy in urllib.request.getproxies_environment().values():
            try:
                parts = urllib.parse.urlsplit(proxy) if "://" in proxy else None
                if parts and ((parts.hostname or ""), parts.port or _default_port(parts.scheme)) == (host.lower(), port):
                    return True
            except ValueError:  # a malformed proxy setting trusts nothing
                continue
        return False

    def allows(self, address: Address, port: int) -> bool:
        return not _special(address) or any(a.covers(address, port) for a in self._allowed)

    def refusal(self, url: str) -> str | None:
        """Why a hop to `url` is refused before connecting, or None. Host names are left to
        the resolver, which sees the addresses they resolve to."""
        try:
            parts = urllib.parse.urlsplit(url)
            host, port = parts.hostname or "", parts.port or _default_port(parts.scheme)
        except ValueError:  # a broken IPv6 address or port
            return "malformed URL"
        if parts.scheme not in ("http", "https") or not host:
            return "not an HTTP URL"
        if self._trusted(host, port):
            return None
        address = _literal(host)
        if address is not None and not self.allows(address, port):
            return f"{address} is not a public address"
        return None

    def check_resolved(self, host: str, port: int, addresses: list[ResolveResult]) -> list[ResolveResult]:
        if self._trusted(host, port):
            return addresses
        # every address must be allowed: one refused answer means the name points inside
        refused = [r["host"] for r in addresses if (a := _literal(r["host"])) is None or not self.allows(a, port)]
        if refused or not addresses:
            raise RefusedAddress(f"{host} resolves to {', '.join(refused) or 'nothing'}, not a public address")
        return addresses


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, answering only with addresses the policy allows."""

    def __init__(self, reach: Reach, inner: AbstractResolver | None = None):
        self._reach, self._inner = reach, inner or DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return self._reach.check_resolved(host, port, await self._inner.resolve(host, port, family))

    async def close(self) -> None:
        await self._inner.close()


async def read_body(response: ClientResponse, limit: int) -> bytes | None:
    """A result's bytes, or None past `limit` (reading stops there); DownloadFailed for a non-2xx."""
    if response.status >= 300:
        raise DownloadFailed(f"download failed: HTTP {response.status}")
    if response.content_length is not None and response.content_length > limit:
        return None
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(256 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
