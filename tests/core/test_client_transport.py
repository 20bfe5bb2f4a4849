"""How the 302.AI client behaves on the wire when a proxy or a peer misbehaves: what may be
sent again, what is unsure, and where the API key may go."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.ai302.client import Ai302Client, Timeouts
from bot.proxies import proxy_for
from bot.errors import DownloadFailed, OutcomeUnknown, RetryLater
from tests.conftest import SIM_KEY
from tests.core.helpers import until_finished


@pytest.fixture
def no_cached_proxies():
    proxy_for.cache_clear()
    yield
    proxy_for.cache_clear()


async def test_an_https_proxy_never_sees_the_api_key_and_its_refusal_may_be_retried(monkeypatch, no_cached_proxies):
    seen: list[bytes] = []

    async def refusing_proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    proxy = await asyncio.start_server(refusing_proxy, "127.0.0.1", 0)
    async with proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.sockets[0].getsockname()[1]}")
        # the host does not exist: only the proxy is ever asked about it
        async with Ai302Client("https://api.302.invalid", SIM_KEY) as proxied:
            with pytest.raises(RetryLater):  # refused before anything reached 302.AI
                await proxied.submit_video({"model": "T2V-01", "prompt": "a cat"})
    assert len(seen) == 1 and seen[0].startswith(b"CONNECT api.302.invalid:443")
    assert SIM_KEY.encode() not in seen[0]


async def test_a_paid_call_whose_body_the_peer_stops_reading_ends_unsure_within_its_limit():
    held: list[asyncio.StreamWriter] = []

    async def never_reads(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keeps the connection open, reads nothing

    listener = socket.socket()
    # a small receive window, so that the body cannot all vanish into kernel buffers
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    server = await asyncio.start_server(never_reads, sock=listener)
    async with server:
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        async with Ai302Client(base, SIM_KEY, timeouts=Timeouts(submit=0.5, connect=0.5)) as client:
            body = {"model": "I2V-01", "prompt": "x", "first_frame_image": "A" * (16 << 20)}
            # part of the body left: 302.AI may act on what it got, so never "not sent"
            with pytest.raises(OutcomeUnknown):
                await asyncio.wait_for(client.submit_video(body), timeout=30)
        for writer in held:
            writer.close()


async def test_a_closed_client_sends_nothing_and_says_so(simulator):
    async with Ai302Client(simulator.base_url, SIM_KEY) as client:
        task_id = await client.submit_video({"model": "T2V-01", "prompt": "a cat"})
        url = (await client.retrieve_file((await until_finished(client, task_id)).file_id)).download_url
    with pytest.raises(RetryLater):
        await client.submit_video({"model": "T2V-01", "prompt": "x"})
    with pytest.raises(DownloadFailed):
        await client.download(url, 10_000_000)
    assert [b["kind"] for b in simulator.billed] == ["video"]  # the first one only


@pytest.mark.parametrize("url", [
    "https://[files.example/x.mp4",  # urlsplit refuses it
    "https://files.example:notaport/x.mp4",  # aiohttp refuses it
])
async def test_a_malformed_result_url_is_a_failed_download(simulator, url):
    async with Ai302Client(simulator.base_url, SIM_KEY) as client:
        with pytest.raises(DownloadFailed):
            await client.download(url, 100)
