"""The 302.AI client against the simulator over loopback: every endpoint, every error family."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import socket

import httpx
import pytest
from PIL import Image

from bot.ai302.client import Ai302Client, Timeouts
from bot.proxies import proxy_for
from bot.ai302.translate import Reply, read_json
from bot.errors import AuthFailed, BadParameters, BalanceTooLow, ContentFlagged, OutcomeUnknown, RetryLater
from tests.conftest import SIM_KEY, wait_for
from tests.core.helpers import until_finished
from tests.media import image_bytes, is_mp4, is_png

FRAME = "data:image/png;base64," + base64.b64encode(image_bytes()).decode()


@pytest.fixture
async def client(simulator):
    async with Ai302Client(simulator.base_url, SIM_KEY, timeouts=Timeouts(5, 5, 5, 5)) as c:
        yield c


@pytest.mark.parametrize("payload", [
    {"model": "T2V-01", "prompt": "a cat surfing"},
    {"model": "T2V-01-Director", "prompt": "[Pan left] a cat surfing"},
    {"model": "I2V-01", "prompt": "", "first_frame_image": FRAME},
    {"model": "I2V-01-live", "prompt": "wave", "first_frame_image": FRAME},
    {"model": "I2V-01-Director", "prompt": "[Zoom in]", "first_frame_image": FRAME},
    {"model": "S2V-01", "prompt": "she dances",
     "subject_reference": [{"type": "character", "image": [FRAME]}]},
    {"model": "MiniMax-Hailuo-02", "prompt": "a fox", "duration": 10, "resolution": "768P"},
    {"model": "MiniMax-Hailuo-02", "prompt": "", "duration": 6, "resolution": "512P", "first_frame_image": FRAME},
], ids=lambda p: p["model"] + "-" + str(p.get("resolution", "")))
async def test_every_video_model_is_accepted_and_finishes_as_a_downloadable_mp4(client, simulator, payload):
    task_id = await client.submit_video(payload)
    status = await until_finished(client, task_id)
    info = await client.retrieve_file(status.file_id)
    assert is_mp4(await client.download(info.download_url, 10_000_000))


async def test_a_new_video_reports_queueing_then_finishes_with_success(client, simulator):
    simulator.configure(video_seconds=0.6)
    task_id = await client.submit_video({"model": "T2V-01", "prompt": "x"})
    seen = [(await client.query_video(task_id)).status]
    await until_finished(client, task_id)
    seen.append("Success")
    assert seen[0] == "Queueing"


async def test_minimax_image_returns_a_png_url(client):
    urls = await client.minimax_image({"model": "minimaxi-image-01", "prompt": "a red fox",
                                       "aspect_ratio": "16:9", "response_format": "url"})
    assert is_png(await client.download(urls[0], 10_000_000))


async def test_unified_image_returns_a_png_url(client):
    url = await client.unified_image({"model": "flux-dev-t2i", "prompt": "sky city"})
    assert is_png(await client.download(url, 10_000_000))


async def test_download_over_the_limit_returns_none(client):
    url = await client.unified_image({"model": "flux-dev-t2i", "prompt": "sky city"})
    assert await client.download(url, 100) is None


@pytest.mark.parametrize(("fault", "error"), [
    ("auth", AuthFailed), ("code=1004", AuthFailed), ("code=2049", AuthFailed),
    ("balance", BalanceTooLow), ("flag", ContentFlagged), ("code=2013", BadParameters),
    ("429", RetryLater), ("1002", RetryLater), ("503", RetryLater),
    ("500", OutcomeUnknown), ("garbage", OutcomeUnknown), ("code=1000", OutcomeUnknown),
    ("code=1013", OutcomeUnknown), ("5xx-after-accept=502", OutcomeUnknown),
    ("garbage-after-accept", OutcomeUnknown),
])
async def test_video_submission_errors_map_to_their_family(client, fault, error):
    with pytest.raises(error) as info:
        await client.submit_video({"model": "T2V-01", "prompt": f"a cat [sim:{fault}]"})
    assert SIM_KEY not in str(info.value)


@pytest.mark.parametrize(("fault", "error"), [
    ("auth", AuthFailed), ("balance", BalanceTooLow), ("flag", ContentFlagged),
    ("429", RetryLater), ("503", RetryLater), ("500", OutcomeUnknown), ("garbage", OutcomeUnknown),
    ("fail", OutcomeUnknown), ("5xx-after-accept", OutcomeUnknown),
])
async def test_unified_image_errors_map_to_their_family(client, fault, error):
    with pytest.raises(error):
        await client.unified_image({"model": "flux-dev-t2i", "prompt": f"sky [sim:{fault}]"})


@pytest.mark.parametrize("fault", ["500", "garbage", "code=1000"])
async def test_a_free_lookup_may_always_be_retried(client, simulator, fault):
    simulator.fail_next(fault)
    with pytest.raises(RetryLater):
        await client.query_video("1")


def _reply(status: int, body, path: str = "/302/image/generate") -> Reply:
    return Reply(status, path, json.dumps(body).encode())


def test_a_content_flag_inside_a_server_error_is_final():
    flagged = _reply(500, {"error": {"err_code": -10010, "message": "content flagged"}})
    with pytest.raises(ContentFlagged):
        read_json(flagged, SIM_KEY, paid=True)


async def test_success_without_a_file_is_not_finished_and_an_unknown_status_is_still_running(client, simulator):
    task_id = await client.submit_video({"model": "T2V-01", "prompt": "x"})
    status = await until_finished(client, task_id)
    assert status.finished
    for body in ({"task_id": task_id, "status": "Success", "file_id": ""},
                 {"task_id": task_id, "status": "Rendering"}):
        sim_reply = _reply(200, {**body, "base_resp": {"status_code": 0}}, "/minimaxi/v1/query/video_generation")
        parsed = read_json(sim_reply, SIM_KEY)
        from bot.ai302.client import VideoStatus
        from bot.ai302.v2 import text_of as _text
        status = VideoStatus(_text(parsed.get("status")) or "Unknown", _text(parsed.get("file_id")))
        assert not status.finished and not status.failed


async def test_ids_and_urls_of_any_json_type_arrive_as_text(client, simulator):
    from bot.ai302.v2 import text_of as _text
    assert _text(227311208538261) == "227311208538261"
    assert _text(None) is None and _text("") is None and _text({"url": "x"}) is None

async def test_unknown_unified_model_is_bad_parameters(client):
    with pytest.raises(BadParameters) as info:
        await client.unified_image({"model": "no-such-model", "prompt": "sky"})
    assert info.value.status == 422


async def test_rate_limit_carries_retry_after(client):
    with pytest.raises(RetryLater) as info:
        await client.submit_video({"model": "T2V-01", "prompt": "a cat [sim:429]"})
    assert info.value.retry_after == 1.0 and info.value.status == 429


async def test_flagged_video_is_reported_by_the_query(client):
    task_id = await client.submit_video({"model": "T2V-01", "prompt": "a cat [sim:flag-video]"})
    with pytest.raises(ContentFlagged) as info:
        while True:
            await client.query_video(task_id)
    assert info.value.code == 1027


async def test_invalid_parameters_are_refused_by_the_simulator(client):
    with pytest.raises(BadParameters):
        await client.submit_video({"model": "MiniMax-Hailuo-02", "prompt": "x", "duration": 10,
                                   "resolution": "1080P"})


async def test_a_wrong_key_is_refused(simulator):
    async with Ai302Client(simulator.base_url, "sk-wrong-key-123456") as wrong:
        with pytest.raises(AuthFailed) as info:
            await wrong.submit_video({"model": "T2V-01", "prompt": "x"})
    assert "sk-wrong-key-123456" not in str(info.value)


async def test_a_paid_call_that_times_out_after_being_accepted_is_outcome_unknown_and_billed(simulator):
    async with Ai302Client(simulator.base_url, SIM_KEY, timeouts=Timeouts(lookup=5, submit=0.2, image=0.2)) as slow:
        with pytest.raises(OutcomeUnknown):
            await slow.minimax_image({"model": "minimaxi-image-01", "prompt": "x [sim:timeout-after-accept=2]"})
        with pytest.raises(OutcomeUnknown):
            await slow.submit_video({"model": "T2V-01", "prompt": "x [sim:timeout-after-accept=2]"})
    assert [b["kind"] for b in simulator.billed] == ["image", "video"]


async def test_a_lookup_that_times_out_is_retry_later(simulator):
    async with Ai302Client(simulator.base_url, SIM_KEY, timeouts=Timeouts(lookup=0.2)) as slow:
        simulator.fail_next("slow=1")
        with pytest.raises(RetryLater):
            await slow.query_video("1")


async def test_the_proxy_named_in_the_environment_is_used(simulator, monkeypatch):
    # the simulator stands in for the proxy: a host that does not exist is reached only through
    # it (an HTTP proxy is asked for the URL; nothing is looked up and nothing leaves loopback)
    monkeypatch.setenv("HTTP_PROXY", simulator.base_url)
    proxy_for.cache_clear()
    try:
        async with Ai302Client("http://api.302.invalid", SIM_KEY) as proxied:
            assert await proxied.submit_video({"model": "T2V-01", "prompt": "a cat"})
    finally:
        proxy_for.cache_clear()
    assert [b["kind"] for b in simulator.billed] == ["video"]


async def test_a_host_in_no_proxy_is_reached_directly(simulator, monkeypatch):
    with socket.socket() as closed:  # bound, not listening: a proxy that refuses connections
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed.getsockname()[1]}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        proxy_for.cache_clear()
        try:
            async with Ai302Client(simulator.base_url, SIM_KEY) as direct:
                assert await direct.submit_video({"model": "T2V-01", "prompt": "a cat"})
        finally:
            proxy_for.cache_clear()


async def test_a_refused_connection_is_retry_later_even_for_a_paid_call():
    # a bound socket that does not listen refuses connections; it stays bound, so no other
    # process can take the port meanwhile
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        async with Ai302Client(f"http://127.0.0.1:{port}", SIM_KEY) as nowhere:
            with pytest.raises(RetryLater):
                await nowhere.query_video("1")
            with pytest.raises(RetryLater):
                await nowhere.submit_video({"model": "T2V-01", "prompt": "x"})


async def test_a_base_url_that_is_not_http_is_retry_later_even_for_a_paid_call():
    async with Ai302Client("ftp://127.0.0.1:21", SIM_KEY) as wrong:
        with pytest.raises(RetryLater):
            await wrong.submit_video({"model": "T2V-01", "prompt": "x"})


async def test_a_paid_call_that_never_got_a_connection_from_the_pool_is_retry_later(simulator):
    # one connection, held by a slow image generation: the video submission waits for it past
    # the connect timeout, so it never left this machine and may be sent again
    async with Ai302Client(simulator.base_url, SIM_KEY, max_connections=1,
                           timeouts=Timeouts(connect=0.3, image=10)) as one:
        slow = asyncio.create_task(one.minimax_image({"model": "minimaxi-image-01", "prompt": "x [sim:slow=2]"}))
        await wait_for(lambda: simulator.requests, timeout=5, what="the image request to arrive")
        with pytest.raises(RetryLater):
            await one.submit_video({"model": "T2V-01", "prompt": "x"})
        assert await slow
    assert [b["kind"] for b in simulator.billed] == ["image"]


def test_an_echoed_key_is_redacted_from_the_error():
    response = _reply(401, {"error": {"err_code": -1, "message": f"bad key {SIM_KEY}"}},
                      "/minimaxi/v1/video_generation")
    with pytest.raises(AuthFailed) as info:
        read_json(response, SIM_KEY)
    assert SIM_KEY not in str(info.value) and "***" in str(info.value)


async def test_queued_faults_apply_to_the_next_calls_only(client, simulator):
    simulator.fail_next("503", 2)
    for _ in range(2):
        with pytest.raises(RetryLater):
            await client.submit_video({"model": "T2V-01", "prompt": "x"})
    assert await client.submit_video({"model": "T2V-01", "prompt": "x"})


def _data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


async def test_an_i2i_model_redraws_the_picture_it_is_sent_keeping_its_shape(client, simulator):
    url = await client.unified_image({"model": "stable-sd3.5-large-i2i", "prompt": "in ink", "negative_prompt": "red",
                                      "image": _data_url(image_bytes(900, 600))})
    async with httpx.AsyncClient() as http:
        data = (await http.get(url)).content
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (512, 341)
    assert [b["model"] for b in simulator.billed] == ["stable-sd3.5-large-i2i"]


@pytest.mark.parametrize("payload, words", [
    ({"model": "stable-sd3-i2i", "prompt": "in ink"}, "image parameter is required"),
    ({"model": "stable-sd3-i2i", "prompt": "in ink", "image": "data:image/png;base64,bm90IGFuIGltYWdl"},
     "must be a file"),
    ({"model": "302ai-kolors-i2i", "prompt": "in ink", "aspect_ratio": "16:9"}, "image parameter is required"),
    ({"model": "flux-dev-i2i", "prompt": "in ink"}, "not supported"),
])
async def test_what_the_unified_interface_refuses_from_i2i_models_is_bad_parameters(client, simulator, payload, words):
    with pytest.raises(BadParameters) as info:
        await client.unified_image(payload)
    assert info.value.status == 422 and words in str(info.value)
    assert simulator.billed == []


async def test_an_i2i_model_refuses_an_aspect_ratio(client, simulator):
    with pytest.raises(BadParameters) as info:
        await client.unified_image({"model": "302ai-kolors-i2i", "prompt": "in ink", "aspect_ratio": "16:9",
                                    "image": _data_url(image_bytes(640, 480))})
    assert "aspect_ratio parameter is not supported" in str(info.value)
    assert simulator.billed == []
