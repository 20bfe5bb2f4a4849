"""The operators' listener during a real run: /metrics moves as jobs run, /healthz turns 503
when the platform's connection drops, and nothing secret is shown."""

from __future__ import annotations

import asyncio

import httpx

from entrypoints.ops import OpsListener


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_metrics_move_as_jobs_run_and_health_follows_the_connection(start_bot, fake_discord, simulator):
    bot = await start_bot()
    listener = OpsListener(bot.core, {"discord": bot.adapter}, "127.0.0.1:0")
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as http:
            health = await http.get("/healthz")
            assert health.status_code == 200 and health.json()["platforms"] == {"discord": "connected"}
            before = (await http.get("/metrics")).text
            assert metric(before, "reelbot_jobs_delivered_total") == 0

            await fake_discord.result_of(await fake_discord.invoke("image", prompt="a fox <@1234>"))
            await bot.core.wait_idle()
            after = (await http.get("/metrics")).text
            assert metric(after, "reelbot_jobs_accepted_total", command="image") == 1
            assert metric(after, "reelbot_jobs_delivered_total", model="minimaxi-image-01") == 1
            assert metric(after, "reelbot_302ai_calls_total", endpoint="/minimaxi/v1/image_generation",
                          outcome="ok") == 1
            assert metric(after, "reelbot_delivery_lag_seconds_count", platform="discord") == 1
            assert metric(after, "reelbot_operator_spend_ptc_today") == 0.1
            assert "a fox" not in after and fake_discord.token not in after and "alice" not in after

            await fake_discord.gateway.disconnect(4004, "Authentication failed.")  # the session ends
            deadline = asyncio.get_running_loop().time() + 10
            while (down := await http.get("/healthz")).status_code != 503:
                assert asyncio.get_running_loop().time() < deadline, "health never noticed"
                await asyncio.sleep(0.02)
            assert down.json()["platforms"] == {"discord": "down"} and down.json()["database"] == "ok"
    finally:
        await listener.stop()
