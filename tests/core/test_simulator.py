"""The simulator as operators and the benchmarks use it: over HTTP, and as `reelbot simulate`."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import httpx

from tests.conftest import SIM_KEY

ROOT = Path(__file__).resolve().parents[2]


async def test_http_config_queues_faults_and_requests_are_listed(simulator):
    headers = {"Authorization": f"Bearer {SIM_KEY}"}
    async with httpx.AsyncClient(base_url=simulator.base_url, headers=headers) as http:
        assert (await http.post("/_sim/config", json={"next": ["503"], "video_seconds": 0.1})).status_code == 200
        failed = await http.post("/minimaxi/v1/video_generation", json={"model": "T2V-01", "prompt": "x"})
        ok = await http.post("/minimaxi/v1/video_generation", json={"model": "T2V-01", "prompt": "x"})
        listed = (await http.get("/_sim/requests")).json()
    assert failed.status_code == 503 and failed.json()["error"]["err_code"] == -10008
    assert ok.json()["base_resp"]["status_code"] == 0 and ok.json()["task_id"]
    assert [r["path"] for r in listed] == ["/minimaxi/v1/video_generation"] * 2
    assert simulator.config.video_seconds == 0.1


async def test_unknown_setting_is_refused(simulator):
    async with httpx.AsyncClient(base_url=simulator.base_url) as http:
        reply = await http.post("/_sim/config", json={"colour": "blue"})
    assert reply.status_code == 400 and "colour" in reply.json()["error"]


async def test_missing_authorization_gets_the_401_envelope(simulator):
    async with httpx.AsyncClient(base_url=simulator.base_url) as http:
        reply = await http.get("/minimaxi/v1/query/video_generation", params={"task_id": "1"})
    assert reply.status_code == 401 and reply.json()["error"]["type"] == "api_error"


async def test_reelbot_simulate_on_port_0_serves_on_the_port_it_reports():
    # port 0: the system picks a free port and the simulator says which, so no other process
    # can take it between a choice and the bind
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "entrypoints.cli", "simulate", "--port", "0", "--api-key", "k",
        "--video-seconds", "0", cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert url and url.group(1) != "0"
        async with httpx.AsyncClient(base_url=url.group(0),
                                     headers={"Authorization": "Bearer k"}) as http:
            task = (await http.post("/minimaxi/v1/video_generation",
                                    json={"model": "T2V-01", "prompt": "x"})).json()["task_id"]
            status = (await http.get("/minimaxi/v1/query/video_generation", params={"task_id": task})).json()
        assert status["status"] == "Success" and status["file_id"]
    finally:
        proc.terminate()
        await proc.wait()
    assert proc.returncode == 0
