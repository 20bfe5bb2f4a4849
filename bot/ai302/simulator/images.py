"""The simulator's asynchronous image routes: create (paid) and fetch (free).

    POST /302/v2/image/generate?run_async=true  -> {"task_id", "status": "pending", "created_at"}
    GET  /302/v2/image/fetch/{task_id}          -> {"status", "image_url", "image_urls": [...]}

They take the same fault markers as every other route (`[sim:…]` in the prompt, queued or
global faults): the before-accept ones (429, 503, 500, garbage, auth, balance, flag…) answer
the create at once and bill nothing; the after-accept ones (timeout-after-accept,
5xx-after-accept, garbage-after-accept) bill the picture and then spoil the answer; `fail`
ends the task `failed`; `slow=N` makes the drawing take N seconds. The fetch shares the status
query's outages (`outage(…, on=("query",))`).

`[sim:images=N]` in a prompt asks for N pictures in one answer (`image_urls`), as models that
draw several at once (Midjourney's grid) answer; it may stand beside one fault marker.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.ai302.simulator.media import png_for
from bot.ai302.simulator.shared import _envelope, _image_request, _Task

if TYPE_CHECKING:
    from bot.ai302.simulator.server import Simulator

__all__ = ["AsyncImageRoutes", "MAX_IMAGES"]

MAX_IMAGES = 10
_COUNT = re.compile(r"\s*\[sim:images=(\d+)\]")


@dataclass
class _ImageTask(_Task):
    prompt: str = ""
    size: tuple[int, int] = (512, 512)
    count: int = 1
    urls: tuple[str, ...] = ()  # drawn on the first fetch that finds the task done


class AsyncImageRoutes:
    def __init__(self, sim: Simulator):
        self._sim = sim

    def install(self, app: web.Application) -> None:
        app.router.add_post("/302/v2/image/generate", self._create)
        app.router.add_get("/302/v2/image/fetch/{task_id}", self._fetch)

    @property
    def creates(self) -> int:
        """How many create calls arrived (whatever became of them): a job sends one at most."""
        return sum(1 for r in self._sim.requests if r["path"] == "/302/v2/image/generate")

    async def _create(self, request: web.Request) -> web.Response:
        sim = self._sim
        if request.query.get("run_async") != "true":
            return _envelope(422, -10002, "this simulator answers the v2 image interface only with run_async=true")
        body = await sim._json(request)
        if isinstance(body, web.Response):
            return body
        prompt = body.get("prompt")
        count = _COUNT.search(prompt) if isinstance(prompt, str) else None
        fault = sim._fault_for(_COUNT.sub("", prompt) if isinstance(prompt, str) else None)
        seconds = sim.config.image_seconds
        if fault is not None and fault.startswith("slow="):  # a slow drawing, not a slow answer
            seconds, fault = float(fault.partition("=")[2]), None
        elif (reply := await sim._common_fault(fault, minimax=False)) is not None:
            return reply
        problem, size = _image_request(body)
        if problem is not None:
            return problem
        model = body["model"]
        task_id = f"img-{next(sim._ids)}"
        images = min(MAX_IMAGES, max(1, int(count.group(1)))) if count else 1
        sim._tasks[task_id] = _ImageTask(task_id, model, time.monotonic(), seconds, fault, prompt=prompt,
                                         size=size, count=images)
        sim._bill("image", body, task_id)
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        reply = web.json_response({"task_id": task_id, "status": "pending", "created_at": created})
        return await sim._after_accept(fault, reply)

    async def _fetch(self, request: web.Request) -> web.Response:
        sim = self._sim
        if (reply := await sim.unified._lookup(request, "query")) is not None:
            return reply
        task = sim._tasks.get(request.match_info["task_id"])
        if not isinstance(task, _ImageTask) or task.task_id in sim._expired:
            return _envelope(404, -10004, "task not found")
        sim._queried.setdefault(task.task_id, []).append(time.time())
        common: dict[str, Any] = {"task_id": task.task_id, "model": task.model, "task_type": "image",
                                  "created_at": "", "execution_time": ""}
        progress = (time.monotonic() - task.started) / task.seconds if task.seconds > 0 else 1.0
        if progress < 1.0:
            return web.json_response({**common, "status": "pending" if progress < 0.3 else "processing"})
        if task.fault in ("fail", "flag-video"):
            return web.json_response({**common, "status": "failed"})
        if not task.urls:
            task.urls = tuple(
                sim._serve(request, f"{task.task_id}-{n}.png", png_for(f"{task.prompt} #{n}", task.size), "image/png")
                for n in range(1, task.count + 1))
        return web.json_response({**common, "status": "completed", "image_url": task.urls[0],
                                  "image_urls": list(task.urls), "execution_time": round(task.seconds, 2)})
