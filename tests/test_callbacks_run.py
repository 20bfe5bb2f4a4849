"""`reelbot run` with REELBOT_PUBLIC_URL, as a real process: the callbacks' own listener
answers the simulator's challenge and its callback, which wakes the job's poll, and serves
nothing but callbacks. As in a deployment, 302.AI reaches it through a reverse proxy (here a
small forwarding server on a port of its own), so that no port is chosen before its server
binds it."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from entrypoints import exits
from tests.run_process import ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi
from tests.test_startup import TOKEN, telegram_env


class ReverseProxy:
    """Forwards every request to `upstream` (set once the bot said where it listens)."""

    def __init__(self):
        self.upstream: str | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _forward(self, request: web.Request) -> web.Response:
        if self.upstream is None:
            return web.Response(status=502)
        async with aiohttp.ClientSession() as http, http.request(
                request.method, self.upstream + request.path_qs, data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "application/json")}) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.mark.timeout(90)
async def test_reelbot_run_serves_callbacks_on_their_own_listener_and_a_woken_video_needs_one_query(
        simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    proxy = ReverseProxy()
    await proxy.start()
    env = telegram_env(simulator, tmp_path, api.base_url) | {
        "REELBOT_PUBLIC_URL": f"http://127.0.0.1:{proxy.port}", "REELBOT_CALLBACK_LISTEN": "127.0.0.1:0"}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        port = int((await bot.line(r"callbacks' listener on 127\.0\.0\.1:(\d+)")).group(1))
        proxy.upstream = f"http://127.0.0.1:{port}"
        ann = api.user(1001, "Ann", "ann")
        command = await api.send_text(ann, api.private_chat(ann), "/video a red fox")
        # the model's first planned look is 18 s after submission (a tenth of its 180 s prior);
        # the video takes 0.3 s: only the callback brings it sooner
        assert await api.wait_until(lambda: api.reply_with(command, "video"), timeout=30)
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as answer:
            health_status = answer.status
    finally:
        code = await bot.stop()
        await api.close()
        await proxy.close()
    assert code == exits.OK, bot.output
    [task_id] = [b["id"] for b in simulator.billed]
    queries = [r for r in simulator.requests if r["query"].get("task_id") == task_id and "query" in r["path"]]
    assert len(queries) == 1
    assert [(c["kind"], c["status"]) for c in simulator.callbacks.sent] == [("challenge", 200), ("status", 200)]
    assert health_status == 404  # the operators' routes are not on the callbacks' listener
    assert "Traceback" not in bot.output
