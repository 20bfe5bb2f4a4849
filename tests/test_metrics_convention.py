"""/metrics of a running bot as Prometheus expects it: `promtool check metrics` has nothing to
say, the process metrics and the build info are there, money moves as counters, every known
label has its series before its first event; and /healthz tells "starting" from "down"."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import aiohttp
import pytest

from bot import __version__
from bot.metrics import ENDPOINTS, OUTCOMES, PLATFORMS, Metrics
from entrypoints import exits
from tests.run_process import ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi
from tests.test_startup import TOKEN, telegram_env

PROMTOOL = shutil.which("promtool")


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as answer:
        return answer.status, await answer.text()


async def ready(port: int) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    while (await get(port, "/readyz"))[0] != 200:
        assert asyncio.get_running_loop().time() < deadline, "the bot never became ready"
        await asyncio.sleep(0.05)


def sample(text: str, line_start: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))


@pytest.mark.timeout(90)
@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus; "
                                             ".ci/run installs it)")
async def test_promtool_finds_nothing_to_say_about_the_metrics_of_a_running_bot(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    env = telegram_env(simulator, tmp_path, api.base_url) | {"REELBOT_HTTP_LISTEN": "127.0.0.1:0"}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        port = int((await bot.line(r"operators' listener on 127\.0\.0\.1:(\d+)")).group(1))
        await ready(port)
        ann = api.user(1001, "Ann", "ann")
        command = await api.send_text(ann, api.private_chat(ann), "/image a red fox")
        assert await api.wait_until(lambda: api.reply_with(command, "photo"), timeout=30)
        deadline = asyncio.get_running_loop().time() + 30
        # the photo is posted a moment before the job's credits are committed
        while sample((text := (await get(port, "/metrics"))[1]), "reelbot_credits_committed_total") == 0:
            assert asyncio.get_running_loop().time() < deadline, "the job's credits were never committed"
            await asyncio.sleep(0.05)
        status, text = await get(port, "/metrics")
        checked = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True,
                                 timeout=30)
    finally:
        code = await bot.stop()
        await api.close()
    assert status == 200 and checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "" and checked.stderr.strip() == ""  # not even a lint warning
    assert f'reelbot_build_info{{python="' in text and f'version="{__version__}"' in text
    assert sample(text, "process_resident_memory_bytes") > 0 and "python_info{" in text
    assert sample(text, "reelbot_credits_reserved_total") == sample(text, "reelbot_credits_committed_total") > 0
    assert sample(text, 'reelbot_spend_ptc_total{billing="confirmed"}') > 0
    assert sample(text, 'reelbot_jobs_refunded_total{command="image"') == 0  # its series, at 0
    assert code == exits.OK


def test_every_known_label_has_its_series_before_the_first_event():
    registry = Metrics().registry
    for endpoint in ENDPOINTS:
        for outcome in OUTCOMES:
            assert registry.get_sample_value("reelbot_302ai_calls_total", {"endpoint": endpoint,
                                                                          "outcome": outcome}) == 0
    for platform in PLATFORMS:
        assert registry.get_sample_value("reelbot_platform_send_errors_total", {"platform": platform}) == 0
        assert registry.get_sample_value("reelbot_delivery_lag_seconds_count", {"platform": platform}) == 0


@pytest.mark.timeout(90)
async def test_healthz_says_starting_with_200_and_readyz_waits_while_telegram_is_out_of_reach(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    api.hold_port()  # nothing listens there yet
    env = telegram_env(simulator, tmp_path, f"http://127.0.0.1:{api.port}/bot") | {"REELBOT_HTTP_LISTEN": "127.0.0.1:0"}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        port = int((await bot.line(r"operators' listener on 127\.0\.0\.1:(\d+)")).group(1))
        await bot.line(r"Telegram: not reachable at start-up")
        health, body = await get(port, "/healthz")
        readiness, _ = await get(port, "/readyz")
        assert (health, readiness) == (200, 503) and '"status": "starting"' in body
        await api.start()
        await ready(port)
        assert (await get(port, "/healthz"))[0] == 200
    finally:
        await bot.stop()
        await api.close()
