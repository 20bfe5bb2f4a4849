"""The simulator's unified v2 video routes: create (paid), fetch (free), the model list (free).

The model list starts as the snapshot reelbot ships (bot/catalog/video_models.json, shaped
like 302.AI's answer); tests change `sim.unified.models` to add or remove models. A create
is checked against the model's parameters as the real service would refuse it (HTTP 422),
and carries the same fault markers as the MiniMax routes (`[sim:…]` in the prompt, queued or
global faults), after-accept faults included; `fail` ends the video `failed`.

A completed video's `video_url` expires as 302.AI's do after some hours: `expire_urls()` (a test
knob) makes every URL handed out so far answer 404, and each fetch hands out a fresh one.
`Simulator.expire_files()` makes the videos themselves gone: their fetch answers 404.
"""

from __future__ import annotations

import copy
import json
import time
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.ai302.simulator.media import sample_mp4
from bot.ai302.simulator.shared import _envelope, _Task

if TYPE_CHECKING:
    from bot.ai302.simulator.server import Simulator

__all__ = ["UnifiedRoutes", "shipped_models"]


def shipped_models() -> list[dict[str, Any]]:
    text = resources.files("bot.catalog").joinpath("video_models.json").read_text("utf-8")
    return json.loads(text)["models"]


def _problem(model: dict[str, Any], body: dict[str, Any]) -> str | None:
    """What 302.AI would refuse in `body` for `model`, or None."""
    caps = model.get("capabilities") or {}
    params = {p["name"]: p for p in model.get("parameters") or []}
    images = body.get("image") or []
    if not isinstance(images, list):
        return "image must be an array"
    if body.get("video") and not caps.get("v2v"):
        return f"{model['model_name']} does not take a video"
    if body.get("end_image") and "end_image" not in params:
        return f"{model['model_name']} does not take end_image"
    for name in ("end_image", "video"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return f"{name} must be a URL or a data URL"
    if images and not caps.get("i2v"):
        return f"{model['model_name']} does not take images"
    if not images and not body.get("video") and not caps.get("t2v"):
        return f"{model['model_name']} needs an image or a video"
    for name, param in params.items():
        if param.get("required") and body.get(name) in (None, "", []):
            return f"{name} is required"
        value = body.get(name)
        if value is None:
            continue
        if isinstance(param.get("max_num"), int) and isinstance(value, list) and len(value) > param["max_num"]:
            return f"{name} takes at most {param['max_num']}"
        spec = param.get("range") or {}
        if spec.get("type") == "list" and value not in spec["list"]["options"]:
            return f"{name} {value!r} is not one of {spec['list']['options']}"
        if spec.get("type") in ("range", "slider"):
            bounds = spec["range"]
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return f"{name} must be a number"
            lo, hi, step = (Decimal(str(bounds[k])) for k in ("min", "max", "step"))
            if not lo <= number <= hi or (step and (number - lo) % step):
                return f"{name} {value} is outside {lo}..{hi} (step {step})"
    return None


class UnifiedRoutes:
    def __init__(self, sim: Simulator):
        self._sim = sim
        self.models: list[dict[str, Any]] = shipped_models()
        # reads of the model list, kept apart from `sim.requests` (which holds what clients sent
        # about work): every start reads the list, and tests count the requests of a job
        self.list_reads = 0
        self.url_issue = 0  # the video URLs of this issue serve; expire_urls() starts the next

    def install(self, app: web.Application) -> None:
        app.router.add_post("/302/v2/video/create", self._create)
        app.router.add_get("/302/v2/video/fetch/{task_id}", self._fetch)
        app.router.add_get("/302/v2/model/video", self._list)
        app.router.add_get("/_sim/v2-videos/{task_id}/{issue}.mp4", self._video)

    def expire_urls(self) -> None:
        """Every video URL handed out so far stops serving (404); a fetch hands out a fresh one."""
        self.url_issue += 1

    def model(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.models if m.get("model_name") == name), None)

    async def _create(self, request: web.Request) -> web.Response:
        sim = self._sim
        body = await sim._json(request)
        if isinstance(body, web.Response):
            return body
        fault, seconds, reply = await sim._video_fault(body, minimax=False)
        if reply is not None:
            return reply
        model = self.model(str(body.get("model", "")))
        if model is None:
            return _envelope(422, -10002, f"model {body.get('model')!r} is not supported")
        if (problem := _problem(model, body)) is not None:
            return _envelope(422, -10002, problem)
        task_id = f"v2-{next(sim._ids)}"
        sim._tasks[task_id] = _Task(task_id, model["model_name"], time.monotonic(), seconds, fault)
        sim._bill("video", body, task_id)
        sim.callbacks.created(sim._tasks[task_id], request.query.get("webhook"), "v2", body.get("prompt"))
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        reply = web.json_response({"task_id": task_id, "status": "pending", "created_at": created})
        return await sim._after_accept(fault, reply)

    async def _fetch(self, request: web.Request) -> web.Response:
        sim = self._sim
        if (reply := await self._lookup(request, "query")) is not None:
            return reply
        task = sim._tasks.get(request.match_info["task_id"])
        if task is None or task.task_id in sim._expired:
            return _envelope(404, -10004, "task not found")
        sim._queried.setdefault(task.task_id, []).append(time.time())
        progress = (time.monotonic() - task.started) / task.seconds if task.seconds > 0 else 1.0
        common = {"task_id": task.task_id, "model": task.model, "attempts": 1, "mode": "async"}
        if progress < 1.0:
            return web.json_response({**common, "status": "pending" if progress < 0.3 else "processing"})
        if task.fault in ("fail", "flag-video"):
            return web.json_response({**common, "status": "failed", "video_url": None})
        url = f"{request.url.origin()}/_sim/v2-videos/{task.task_id}/{self.url_issue}.mp4"  # the shared sample
        return web.json_response({**common, "status": "completed", "video_url": url,
                                  "execution_time": round(task.seconds, 2)})

    async def _video(self, request: web.Request) -> web.Response:
        task_id, issue = request.match_info["task_id"], request.match_info["issue"]
        if task_id not in self._sim._tasks or task_id in self._sim._expired or issue != str(self.url_issue):
            return web.Response(status=404, text="not found")
        return web.Response(body=sample_mp4(), content_type="video/mp4")

    async def _list(self, request: web.Request) -> web.Response:
        self.list_reads += 1
        if (reply := await self._lookup(request, "models", log=False)) is not None:
            return reply
        models = copy.deepcopy(self.models)
        return web.json_response({"total": len(models), "models": models})

    async def _lookup(self, request: web.Request, endpoint: str, *, log: bool = True) -> web.Response | None:
        """The free GETs' key check, log, outage or queued fault, answered in 302.AI's envelopes."""
        sim = self._sim
        if not sim._authorized(request):
            return _envelope(401, -10001, "Invalid API key")
        if log:
            sim._log(request)
        fault = sim.outages.fault_for(endpoint) or (sim._fault_for(None) if log else None)
        return await sim._common_fault(fault, minimax=False)
