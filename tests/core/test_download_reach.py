"""Where a result download may connect, and how much of an API reply is read: a result URL
(or a redirect from its host) must not reach the bot's own machine or network, and an endless
reply must not be read whole. Every server here is on loopback; refused addresses are refused
before any connection is made."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver

from bot.ai302.client import MAX_REPLY_BYTES, Ai302Client
from bot.proxies import proxy_for
from bot.ai302.downloads import GuardedResolver, Reach, RefusedAddress, parse_allowance
from bot.config import Settings, SettingsError
from bot.errors import DownloadFailed, OutcomeUnknown, RetryLater
from tests.conftest import SIM_KEY


class Site:
    """A small HTTP server on loopback that counts the requests it gets."""

    def __init__(self, routes: dict[str, web.StreamResponse | None] | None = None):
        self.hits: list[str] = []
        self._routes = routes or {}
        self.port = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        made = self._routes.get(request.path)
        return made(request) if callable(made) else web.Response(body=b"secret metrics\n")

    async def __aenter__(self) -> Site:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        await self._runner.cleanup()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def redirect_to(target: str):
    return lambda request: web.Response(status=302, headers={"Location": target})


async def test_a_download_redirected_to_another_loopback_port_is_refused_and_never_reaches_it():
    async with Site() as metrics, Site({"/result.mp4": redirect_to(metrics.url("/metrics"))}) as files:
        # the file host itself is allowed (as a local gateway would be); what it points to is not
        reach = Reach(parse_allowance(f"127.0.0.1:{files.port}"))
        async with Ai302Client("http://api.302.invalid", SIM_KEY, reach=reach) as client:
            with pytest.raises(DownloadFailed, match="refused"):
                await client.download(files.url("/result.mp4"), 1_000_000)
    assert files.hits == ["/result.mp4"]
    assert metrics.hits == []


async def test_a_redirect_to_a_link_local_metadata_address_is_refused_before_connecting():
    async with Site({"/r": redirect_to("http://169.254.169.254/latest/meta-data/")}) as files:
        reach = Reach(parse_allowance(f"127.0.0.1:{files.port}"))
        async with Ai302Client("http://api.302.invalid", SIM_KEY, reach=reach) as client:
            with pytest.raises(DownloadFailed, match="169.254.169.254 is not a public address"):
                await client.download(files.url("/r"), 1_000_000)


async def test_a_redirect_between_allowed_hosts_is_still_followed():
    async with Site() as store, Site({"/result.mp4": redirect_to(store.url("/file.mp4"))}) as files:
        reach = Reach(parse_allowance(f"127.0.0.1:{files.port},127.0.0.1:{store.port}"))
        async with Ai302Client("http://api.302.invalid", SIM_KEY, reach=reach) as client:
            assert await client.download(files.url("/result.mp4"), 1_000_000) == b"secret metrics\n"
    assert store.hits == ["/file.mp4"]


async def test_a_host_name_that_resolves_to_loopback_is_refused_without_an_allowance():
    async with Site() as files:
        async with Ai302Client("http://api.302.invalid", SIM_KEY) as client:
            with pytest.raises(DownloadFailed, match="localhost resolves to"):
                await client.download(f"http://localhost:{files.port}/result.mp4", 1_000_000)
    assert files.hits == []


async def test_the_api_origin_itself_may_serve_results(simulator):
    # the simulator (and `reelbot demo`) serves results from its own loopback address
    async with Ai302Client(simulator.base_url, SIM_KEY) as client:
        url = await client.unified_image({"model": "flux-dev-t2i", "prompt": "sky city"})
        assert await client.download(url, 10_000_000)


class _Answers(AbstractResolver):
    def __init__(self, *addresses: str):
        self.addresses = addresses

    async def resolve(self, host, port=0, family=0):
        return [{"hostname": host, "host": a, "port": port, "family": 2, "proto": 6, "flags": 4}
                for a in self.addresses]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("addresses", [
    ("10.0.0.5",), ("192.168.1.1",), ("169.254.169.254",), ("224.0.0.1",), ("0.0.0.0",),
    ("::1",), ("fe80::1",), ("::ffff:127.0.0.1",), ("93.184.215.14", "10.0.0.5"),
])
async def test_a_host_that_resolves_to_any_non_public_address_is_refused(addresses):
    resolver = GuardedResolver(Reach(), _Answers(*addresses))
    with pytest.raises(RefusedAddress):
        await resolver.resolve("files.example", 443)


async def test_the_resolver_hands_on_exactly_the_addresses_it_checked():
    # aiohttp connects to what the resolver answers: the checked address is the one used
    answers = await GuardedResolver(Reach(), _Answers("93.184.215.14")).resolve("files.example", 443)
    assert [a["host"] for a in answers] == ["93.184.215.14"]


async def test_an_allowed_network_lets_a_private_address_through_on_any_port():
    reach = Reach(parse_allowance("10.0.0.0/8"))
    answers = await GuardedResolver(reach, _Answers("10.1.2.3")).resolve("files.internal", 8080)
    assert answers[0]["host"] == "10.1.2.3"


class _Huge:
    """An API that answers with a valid JSON object bigger than the client reads."""

    def __init__(self, chunked: bool):
        self.chunked = chunked

    def __call__(self, request: web.Request):
        body = json.dumps({"task_id": "t1", "status": "Success", "file_id": "f1", "base_resp": {"status_code": 0},
                           "pad": "x" * (MAX_REPLY_BYTES + 1)}).encode()
        reply = web.Response(body=body, content_type="application/json")
        if self.chunked:
            reply.enable_chunked_encoding()
        return reply


@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
async def test_an_oversized_reply_to_a_paid_call_is_outcome_unknown(chunked):
    huge = _Huge(chunked)
    async with Site({"/minimaxi/v1/video_generation": huge}) as api:
        async with Ai302Client(api.url(""), SIM_KEY) as client:
            with pytest.raises(OutcomeUnknown, match="reply longer than"):
                await client.submit_video({"model": "T2V-01", "prompt": "a cat"})


async def test_an_oversized_reply_to_a_free_query_may_be_asked_again():
    async with Site({"/minimaxi/v1/query/video_generation": _Huge(chunked=True)}) as api:
        async with Ai302Client(api.url(""), SIM_KEY) as client:
            with pytest.raises(RetryLater, match="reply longer than"):
                await client.query_video("t1")


def test_the_download_allowance_is_read_from_the_environment():
    settings = Settings.from_env({"REELBOT_DOWNLOAD_ALLOW": "10.0.0.0/8, 127.0.0.1:8080,[::1]:9000"})
    assert [str(a.network) + f":{a.port}" for a in parse_allowance(settings.download_allow)] == [
        "10.0.0.0/8:None", "127.0.0.1/32:8080", "::1/128:9000"]


def test_a_download_allowance_that_is_not_an_address_is_refused_at_start():
    with pytest.raises(SettingsError, match="REELBOT_DOWNLOAD_ALLOW"):
        Settings.from_env({"REELBOT_DOWNLOAD_ALLOW": "files.example"})


async def test_a_proxy_named_in_the_environment_trusts_only_its_own_port(monkeypatch):
    # NO_PROXY sends loopback direct: a result on another port of the proxy's host is refused
    async with Site() as metrics:
        monkeypatch.setenv("HTTP_PROXY", "http://localhost:3128")
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        proxy_for.cache_clear()
        try:
            async with Ai302Client("http://api.302.invalid", SIM_KEY) as client:
                with pytest.raises(DownloadFailed, match="refused"):
                    await client.download(f"http://localhost:{metrics.port}/metrics", 1_000_000)
        finally:
            proxy_for.cache_clear()
    assert metrics.hits == []
