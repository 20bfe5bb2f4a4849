"""The HTTP proxy the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) names for a URL, for the
clients on aiohttp: the 302.AI client and the Telegram Bot API transport."""

from __future__ import annotations

import functools
import logging
import urllib.parse
import urllib.request

__all__ = ["proxy_for", "proxy_for_url"]

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=256)
def proxy_for(scheme: str, host: str) -> str | None:
    """The HTTP proxy that HTTP(S)_PROXY and NO_PROXY name for a host, looked up once per host.
    (aiohttp's trust_env would read them, and ~/.netrc, again on every request: a fifth of the
    CPU of a resume. netrc is not wanted anyway: no credentials go anywhere unasked.)"""
    proxies = urllib.request.getproxies_environment()
    if not host or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    proxy = proxies.get(scheme)
    if proxy and not proxy.startswith("http://"):
        log.warning("ignoring the %s proxy for %s: aiohttp speaks only to http:// proxies", scheme, host)
        return None
    return proxy or None


def proxy_for_url(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    return proxy_for(parts.scheme, parts.hostname or "")
