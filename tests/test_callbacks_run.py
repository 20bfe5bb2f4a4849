"""`reelbot run` with REELBOT_PUBLIC_URL, as a real process: the callbacks' own listener
answers the simulator's challenge and its callback, which wakes the job's poll, and serves
nothing but callbacks."""

from __future__ import annotations

import aiohttp
import pytest

from entrypoints import exits
from tests.run_process import ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi
from tests.test_startup import TOKEN, free_port, telegram_env


@pytest.mark.timeout(90)
async def test_reelbot_run_serves_callbacks_on_their_own_listener_and_a_woken_video_needs_one_query(
        simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    port = free_port()
    env = telegram_env(simulator, tmp_path, api.base_url) | {
        "REELBOT_PUBLIC_URL": f"http://127.0.0.1:{port}", "REELBOT_CALLBACK_LISTEN": f"127.0.0.1:{port}"}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        await bot.line(rf"callbacks' listener on 127\.0\.0\.1:{port}")
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
    assert code == exits.OK, bot.output
    [task_id] = [b["id"] for b in simulator.billed]
    queries = [r for r in simulator.requests if r["query"].get("task_id") == task_id and "query" in r["path"]]
    assert len(queries) == 1
    assert [(c["kind"], c["status"]) for c in simulator.callbacks.sent] == [("challenge", 200), ("status", 200)]
    assert health_status == 404  # the operators' routes are not on the callbacks' listener
    assert "Traceback" not in bot.output
