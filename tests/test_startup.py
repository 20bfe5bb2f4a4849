"""`reelbot run` starting in a bad moment, as real processes: a platform out of reach is
waited for; a taken port or an unusable data directory ends the start with one line and a
documented exit code before any platform session starts."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import aiohttp
import pytest

from bot import __version__
from entrypoints import exits
from tests.conftest import SIM_KEY
from tests.discord.fake_discord import FakeDiscord
from tests.run_process import ROOT, ReelbotProcess
from tests.telegram.fake_bot_api import FakeBotApi

TOKEN = "7000005:AAHstartupTOKEN_0123456789abcdef"


def telegram_env(simulator, data_dir, api_base: str) -> dict[str, str]:
    return {"AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(data_dir),
            "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api_base,
            "TELEGRAM_FILE_API_BASE": api_base.removesuffix("/bot") + "/file/bot"}


def json_lines(output: str) -> list[dict]:
    """Every line of the process's output, each of which must be one JSON object."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


async def health(port: int) -> dict:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as answer:
        return await answer.json()


@pytest.mark.timeout(90)
async def test_telegram_out_of_reach_at_start_is_retried_and_served_once_it_answers(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    api.hold_port()  # nothing listens there yet
    env = telegram_env(simulator, tmp_path, f"http://127.0.0.1:{api.port}/bot") | {"REELBOT_HTTP_LISTEN": "127.0.0.1:0"}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        await bot.line(r"Telegram: not reachable at start-up \(try 2")  # retried, not ended
        listener = int((await bot.line(r"operators' listener on 127\.0\.0\.1:(\d+)")).group(1))
        assert (await health(listener))["status"] == "starting"
        await api.start()
        await api.wait_until(lambda: api.commands, timeout=30)  # the start went on: the menu is set
        ann = api.user(1001, "Ann", "ann")
        command = await api.send_text(ann, api.private_chat(ann), "/image a red fox")
        assert await api.wait_until(lambda: api.reply_with(command, "photo"), timeout=30)
        assert (await health(listener))["status"] == "ok" and (await health(listener))["version"] == __version__
    finally:
        code = await bot.stop()
        await api.close()
    assert code == exits.OK, bot.output
    assert "Traceback" not in bot.output and "Unclosed" not in bot.output and TOKEN not in bot.output
    assert f"reelbot {__version__} starting" in bot.output.splitlines()[0]


@pytest.mark.timeout(90)
async def test_discord_out_of_reach_at_start_is_retried_and_served_once_it_answers(simulator, tmp_path):
    fake = FakeDiscord()
    fake.hold_port()
    base = f"127.0.0.1:{fake.port}"
    env = {"AI302_API_KEY": SIM_KEY, "AI302_BASE_URL": simulator.base_url, "REELBOT_DATA_DIR": str(tmp_path),
           "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": f"http://{base}/api/v10",
           "DISCORD_GATEWAY_URL": f"ws://{base}/gateway"}
    bot = await ReelbotProcess(env, tmp_path).start()
    try:
        await bot.line(r"discord: not reachable at start-up \(try 2")
        await fake.start()
        await fake.wait_for(lambda: fake.sync_calls, timeout=60, what="command sync")
        result = await fake.result_of(await fake.invoke("image", prompt="a blue whale"), timeout=30)
        assert result.files
    finally:
        code = await bot.stop()
        await fake.close()
    assert code == exits.OK, bot.output
    assert "Traceback" not in bot.output and "Unclosed" not in bot.output and fake.token not in bot.output


async def test_a_taken_listener_port_ends_the_start_with_its_code_and_one_json_line(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = telegram_env(simulator, tmp_path, api.base_url) | {
            "REELBOT_HTTP_LISTEN": f"127.0.0.1:{port}", "REELBOT_LOG_FORMAT": "json"}
        bot = await ReelbotProcess(env, tmp_path).start()
        try:
            code = await bot.exited()
        finally:
            await api.close()
    assert code == exits.LISTEN
    errors = [entry for entry in json_lines(bot.output) if entry["level"] == "ERROR"]
    assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0]["message"] and errors[0]["exit_code"] == 4
    assert api.calls == []  # before any platform session: not even getMe


async def test_a_taken_webhook_port_ends_the_start_with_the_listeners_code(simulator, tmp_path):
    api = FakeBotApi(TOKEN)
    await api.start()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = telegram_env(simulator, tmp_path, api.base_url) | {
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
            "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{taken.getsockname()[1]}"}
        bot = await ReelbotProcess(env, tmp_path).start()
        try:
            code = await bot.exited()
        finally:
            await api.close()
    assert code == exits.LISTEN
    assert [line for line in bot.output.splitlines() if line.startswith("reelbot: ")] == [
        next(line for line in bot.output.splitlines() if "Telegram's webhook" in line)]
    assert "Traceback" not in bot.output


@pytest.mark.parametrize("log_format", ["json", "text"])
async def test_an_unusable_data_directory_ends_the_start_with_its_code_and_one_line(simulator, tmp_path, log_format):
    api = FakeBotApi(TOKEN)
    await api.start()
    (tmp_path / "a-file").write_text("not a directory")
    env = telegram_env(simulator, tmp_path / "a-file" / "data", api.base_url) | {"REELBOT_LOG_FORMAT": log_format}
    bot = await ReelbotProcess(env, tmp_path / "cwd").start()
    try:
        code = await bot.exited()
    finally:
        await api.close()
    assert code == exits.DATA
    if log_format == "json":
        [error] = [entry for entry in json_lines(bot.output) if entry["level"] == "ERROR"]
        assert "a-file/data" in error["message"] and "REELBOT_DATA_DIR" in error["message"]
    else:
        [error] = [line for line in bot.output.splitlines() if line.startswith("reelbot: ")]
        assert "a-file/data" in error and "Traceback" not in bot.output
    assert api.calls == []


async def test_a_setting_that_cannot_be_read_ends_the_start_as_one_json_line(tmp_path):
    bot = await ReelbotProcess({"REELBOT_LOG_FORMAT": "json", "REELBOT_DAILY_CREDITS": "many"}, tmp_path).start()
    assert await bot.exited() == exits.CONFIG
    [error] = json_lines(bot.output)
    assert "REELBOT_DAILY_CREDITS" in error["message"] and error["exit_code"] == exits.CONFIG


def test_help_and_the_readme_list_the_same_exit_codes(tmp_path):
    shown = subprocess.run([sys.executable, "-m", "entrypoints.cli", "--help"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}).stdout
    readme = (ROOT / "README.md").read_text()
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", readme, re.MULTILINE)}
    assert documented == set(exits.CODES) - {exits.INTERRUPTED}
    assert all(re.search(rf"^  {code} ", shown, re.MULTILINE) for code in exits.CODES)
