"""The simulator's HTTP server (aiohttp, which discord.py already brings).

Faults — each is one word, optionally with a value:

    fail      a video ends in `Fail`; an image request gets HTTP 500 ("generation failed")
    flag      the prompt is refused as sensitive (base_resp 1026)
    flag-video  the finished video is flagged (query answers 1027)
    429       HTTP 429 with 302.AI's error envelope and Retry-After: 1
    1002      MiniMax rate limit inside an HTTP 200
    500, 503  a server error with 302.AI's envelope
    garbage   HTTP 200 whose body is not JSON
    balance   insufficient balance (base_resp 1008)
    auth      the key is refused (HTTP 401)
    code=N    MiniMax base_resp status_code N (e.g. 1004, 2049, 2013) inside an HTTP 200
    slow=N    the reply (or, for a video, the generation) takes N seconds
    timeout-after-accept=N   a paid call is carried out and billed, then the reply is held N
                             seconds (default 30): past the client's timeout
    5xx-after-accept=S       a paid call is carried out and billed, then answered with HTTP S
                             (default 500) and 302.AI's error envelope
    garbage-after-accept     a paid call is carried out and billed, then answered with non-JSON

An outage makes one kind of free lookup fail for a while (bot.ai302.simulator.outages):
`outage(FAULT, seconds, on=("query",))` or `POST /_sim/config {"outage": {"fault": "503",
"seconds": 300, "on": ["query"]}}`.

Every paid call the simulator carries out (a video task created, an image generated) is
counted as billed: `GET /_sim/billing` lists them, so tests can prove a job paid once.
The unified v2 video routes (create, fetch, model list) live in bot.ai302.simulator.unified
and share these faults; `sim.unified.models` is the model list they serve. The asynchronous
image routes (create, fetch; `[sim:images=N]` for several pictures) are in
bot.ai302.simulator.images.
`GET /_sim/queries?after=T` says when each video was first asked about after T (benchmarks
of a restart); `POST /_sim/config {"finish_all": true}` finishes every video submitted so far.
Videos whose paid call names an address are called back (bot.ai302.simulator.callbacks, with
its own faults: late, twice, never, a wrong path, a forged success).

They can be set three ways: in a prompt as `[sim:FAULT]` (that request only), globally with
`Simulator(fault=...)` / `reelbot simulate --fault ...` / `POST /_sim/config {"fault": ...}`,
or for the next N API calls with `fail_next(FAULT, N)` / `POST /_sim/config {"next": [...]}`.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.ai302.simulator.media import png_for, sample_mp4, size_for_ratio
from bot.ai302.simulator.outages import Outages
from bot.ai302.simulator.shared import _envelope, _image_request, _Task, _valid_image_ref

__all__ = ["Simulator", "FAULTS"]

FAULTS = ("fail", "flag", "flag-video", "429", "1002", "500", "503", "garbage", "balance", "auth", "code",
          "slow", "timeout-after-accept", "5xx-after-accept", "garbage-after-accept")
_AFTER_ACCEPT = ("timeout-after-accept", "5xx-after-accept", "garbage-after-accept")
_TAG = re.compile(r"\[sim:([a-z0-9-]+(?:=[0-9.]+)?)\]")
_VIDEO_MODELS = {"T2V-01", "T2V-01-Director", "I2V-01", "I2V-01-live", "I2V-01-Director", "S2V-01",
                 "MiniMax-Hailuo-02"}
_FIRST_FRAME_MODELS = {"I2V-01", "I2V-01-live", "I2V-01-Director"}
_MINIMAX_RATIOS = {"1:1", "16:9", "4:3", "3:2", "2:3", "3:4", "9:16", "21:9"}


def _base_resp(code: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({**extra, "base_resp": {"status_code": code, "status_msg": message}})


def _ok(**body: Any) -> web.Response:
    return _base_resp(0, "success", **body)


@dataclass
class SimConfig:
    api_key: str | None = "sim-key"  # None accepts any key
    video_seconds: float = 3.0
    image_seconds: float = 0.0
    fault: str | None = None
    next_faults: deque[str] = field(default_factory=deque)


class Simulator:
    """Embeddable: `async with Simulator() as sim: sim.base_url`. Or `reelbot simulate`."""

    def __init__(self, *, api_key: str | None = "sim-key", video_seconds: float = 3.0,
                 image_seconds: float = 0.0, fault: str | None = None, keep_requests: int = 1000):
        self.config = SimConfig(api_key, video_seconds, image_seconds, fault)
        self.requests: deque[dict[str, Any]] = deque(maxlen=keep_requests)  # what clients sent, newest last
        self.billed: list[dict[str, Any]] = []  # every paid call carried out, oldest first
        self._tasks: dict[str, _Task] = {}
        self._queried: dict[str, list[float]] = {}  # task id -> when each status query came (time.time())
        self._files: dict[str, tuple[bytes, str]] = {}
        self._expired: set[str] = set()  # task ids whose video 302.AI no longer serves
        self.outages = Outages()
        self._ids = itertools.count(227311208538261)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.app = self._build_app()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # the real port when port=0
        self.base_url = f"http://{host}:{sock.getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        await self.callbacks.stop()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    def configure(self, **changes: Any) -> None:
        for name, value in changes.items():
            if name == "next":
                self.config.next_faults.extend(value)
            elif name == "outage":
                self.outage(value["fault"], float(value["seconds"]), tuple(value.get("on", ("query",))))
            elif name == "callbacks":
                self.callbacks.configure(value)
            elif name == "finish_all" and value:
                for task in self._tasks.values():  # every video submitted so far is done now
                    task.seconds = 0.0
            elif hasattr(self.config, name) and name != "next_faults":
                setattr(self.config, name, value)
            else:
                raise ValueError(f"unknown simulator setting {name!r}")

    def outage(self, fault: str, seconds: float, on: tuple[str, ...] = ("query",)) -> None:
        """For `seconds` from now, the free endpoints `on` answer with `fault` (paid calls go on)."""
        self.outages.start(fault, seconds, on)

    def fail_next(self, fault: str, count: int = 1) -> None:
        self.config.next_faults.extend([fault] * count)

    def expire_files(self) -> None:
        """Stop serving every result made so far, as 302.AI does after some hours: files/retrieve
        no longer knows those videos, and every download URL given out answers 404."""
        self._expired.update(self._tasks)
        self._files.clear()

    # -- plumbing ----------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/minimaxi/v1/video_generation", self._video_generation)
        app.router.add_get("/minimaxi/v1/query/video_generation", self._query)
        app.router.add_get("/minimaxi/v1/files/retrieve", self._retrieve)
        app.router.add_post("/minimaxi/v1/image_generation", self._minimax_image)
        app.router.add_post("/302/image/generate", self._unified_image)
        from bot.ai302.simulator.unified import UnifiedRoutes  # it builds on this module

        self.unified = UnifiedRoutes(self)
        self.unified.install(app)
        from bot.ai302.simulator.images import AsyncImageRoutes

        self.images = AsyncImageRoutes(self)  # 302.AI's asynchronous image interface
        self.images.install(app)
        from bot.ai302.simulator.callbacks import Callbacks

        self.callbacks = Callbacks(self)  # calls back when a paid call names an address
        self.callbacks.install(app)
        app.router.add_get("/files/{name}", self._download)
        app.router.add_post("/_sim/config", self._set_config)
        app.router.add_get("/_sim/requests", self._list_requests)
        app.router.add_get("/_sim/billing", self._list_billing)
        app.router.add_get("/_sim/queries", self._list_queries)
        app.router.add_get("/_sim/outages", self._list_outages)
        return app

    def _authorized(self, request: web.Request) -> bool:
        if self.config.api_key is None:
            return request.headers.get("Authorization", "").startswith("Bearer ")
        return request.headers.get("Authorization") == f"Bearer {self.config.api_key}"

    def _fault_for(self, prompt: str | None) -> str | None:
        """Which fault applies: the prompt's own tag, else the next queued one, else the global."""
        if prompt and (tag := _TAG.search(prompt)):
            return tag.group(1)
        if self.config.next_faults:
            return self.config.next_faults.popleft()
        return self.config.fault

    async def _video_fault(self, body: dict, *, minimax: bool) -> tuple[str | None, float, web.Response | None]:
        """A video submission's fault, the seconds its generation takes, and the reply the fault
        makes at once (None: go on). For a video `slow=N` is a slow generation, not a slow answer."""
        fault = self._fault_for(body.get("prompt"))
        if fault is not None and fault.startswith("slow="):
            return fault, float(fault.partition("=")[2]), None
        return fault, self.config.video_seconds, await self._common_fault(fault, minimax=minimax)

    async def _common_fault(self, fault: str | None, *, minimax: bool) -> web.Response | None:
        """Replies for the faults every endpoint shares; None when the request should go on."""
        if fault is None:
            return None
        name, _, value = fault.partition("=")
        if name == "slow":
            await asyncio.sleep(float(value or 5))
            return None
        if name == "429":
            return _envelope(429, -10005, "Too many requests, please retry later")
        if name in ("500", "503"):
            return _envelope(int(name), -10008 if name == "503" else -10000, "Service temporarily unavailable")
        if name == "garbage":
            return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        if name == "auth":
            return _envelope(401, -10001, "Invalid API key")
        if name == "code":
            return _base_resp(int(value), "simulated error")
        if minimax:
            codes = {"1002": (1002, "rate limit exceeded"), "balance": (1008, "insufficient balance"),
                     "flag": (1026, "input new_sensitive")}
            if name in codes:
                return _base_resp(*codes[name])
        else:
            codes = {"1002": (429, 1002, "rate limit exceeded"), "balance": (402, 1008, "insufficient balance"),
                     "flag": (400, 1026, "input contains sensitive content")}
            if name in codes:
                return _envelope(*codes[name])
        return None

    async def _json(self, request: web.Request) -> dict[str, Any] | web.Response:
        if not self._authorized(request):
            return _envelope(401, -10001, "Invalid API key")
        try:
            if request.content_type == "multipart/form-data":
                body = {k: (v if isinstance(v, str) else "<file>") for k, v in (await request.post()).items()}
            else:
                body = await request.json()
        except ValueError:
            return _envelope(400, -10002, "request body is not valid JSON")
        if not isinstance(body, dict):
            return _envelope(400, -10002, "request body must be a JSON object")
        self._log(request, body)
        return body

    def _log(self, request: web.Request, body: dict[str, Any] | None = None) -> None:
        def shorten(value: Any) -> Any:
            if isinstance(value, str) and value.startswith("data:"):
                return value[:40] + "…"
            if isinstance(value, list):
                return [shorten(v) for v in value]
            if isinstance(value, dict):
                return {k: shorten(v) for k, v in value.items()}
            return value

        self.requests.append({"method": request.method, "path": request.path,
                              "query": dict(request.query), "body": shorten(body) if body else None,
                              "at": time.time()})

    def _bill(self, kind: str, body: dict[str, Any], result_id: str) -> None:
        self.billed.append({"kind": kind, "model": body.get("model"), "prompt": body.get("prompt"),
                            "id": result_id, "at": time.time()})

    @staticmethod
    async def _after_accept(fault: str | None, reply: web.Response) -> web.Response:
        """The reply to a paid call that was carried out (and billed): as is, or spoilt."""
        name, _, value = (fault or "").partition("=")
        if name == "timeout-after-accept":
            await asyncio.sleep(float(value or 30))
        elif name == "5xx-after-accept":
            return _envelope(int(value or 500), -10000, "Internal server error")
        elif name == "garbage-after-accept":
            return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        return reply

    def _serve(self, request: web.Request, name: str, data: bytes, mime: str) -> str:
        self._files[name] = (data, mime)
        return f"{request.url.origin()}/files/{name}"

    # -- video ---------------------------------------------------------------------------------

    async def _video_generation(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        fault, seconds, reply = await self._video_fault(body, minimax=True)
        if reply is not None:
            return reply
        if (problem := _video_problem(body)) is not None:
            return _base_resp(2013, f"invalid params, {problem}")
        task_id = str(next(self._ids))
        self._tasks[task_id] = _Task(task_id, body["model"], time.monotonic(), seconds, fault)
        self._bill("video", body, task_id)
        self.callbacks.created(self._tasks[task_id], body.get("callback"), "minimax", body.get("prompt"))
        return await self._after_accept(fault, _ok(task_id=task_id))

    async def _lookup(self, request: web.Request, endpoint: str) -> web.Response | None:
        """What the free GET endpoints share: the key check, the log, an outage or a queued fault."""
        if not self._authorized(request):
            return _envelope(401, -10001, "Invalid API key")
        self._log(request)
        fault = self.outages.fault_for(endpoint) or self._fault_for(None)
        return await self._common_fault(fault, minimax=True)

    async def _query(self, request: web.Request) -> web.Response:
        if (reply := await self._lookup(request, "query")) is not None:
            return reply
        task = self._tasks.get(request.query.get("task_id", ""))
        if task is None:
            return _base_resp(2013, "invalid params, task_id not found")
        self._queried.setdefault(task.task_id, []).append(time.time())
        progress = (time.monotonic() - task.started) / task.seconds if task.seconds > 0 else 1.0
        if progress < 1.0:
            status = "Queueing" if progress < 0.15 else "Preparing" if progress < 0.3 else "Processing"
            return _ok(task_id=task.task_id, status=status, file_id="")
        if task.fault == "fail":
            return _ok(task_id=task.task_id, status="Fail", file_id="")
        if task.fault == "flag-video":
            return _base_resp(1027, "output video new_sensitive", task_id=task.task_id, status="Fail")
        return _ok(task_id=task.task_id, status="Success", file_id=f"file-{task.task_id}",
                   video_width=256, video_height=144)

    async def _retrieve(self, request: web.Request) -> web.Response:
        if (reply := await self._lookup(request, "retrieve")) is not None:
            return reply
        file_id = request.query.get("file_id", "")
        task = self._tasks.get(file_id.removeprefix("file-"))
        if task is None or not file_id.startswith("file-") or task.task_id in self._expired:
            return _base_resp(2013, "invalid params, file_id not found")
        url = f"{request.url.origin()}/files/{file_id}.mp4"  # served from the shared sample, not stored
        return _ok(file={"file_id": file_id, "bytes": 0, "created_at": int(time.time()),
                         "filename": "output.mp4", "purpose": "video_generation", "download_url": url})

    # -- images --------------------------------------------------------------------------------

    async def _minimax_image(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        fault = self._fault_for(body.get("prompt"))
        if (reply := await self._common_fault(fault, minimax=True)) is not None:
            return reply
        if fault == "fail":
            return _base_resp(1000, "unknown error")
        prompt, ratio = body.get("prompt"), body.get("aspect_ratio", "1:1")
        if body.get("model") != "minimaxi-image-01" or not isinstance(prompt, str) or not prompt.strip():
            return _base_resp(2013, "invalid params, model and prompt are required")
        if ratio not in _MINIMAX_RATIOS:
            return _base_resp(2013, f"invalid params, aspect_ratio {ratio}")
        await asyncio.sleep(self.config.image_seconds)
        image_id = f"{next(self._ids):x}"
        url = self._serve(request, f"{image_id}.png", png_for(prompt, size_for_ratio(ratio)), "image/png")
        self._bill("image", body, image_id)
        return await self._after_accept(fault, _ok(id=image_id, data={"image_urls": [url]},
                                                   metadata={"failed_count": "0", "success_count": "1"}))

    async def _unified_image(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        fault = self._fault_for(body.get("prompt"))
        if (reply := await self._common_fault(fault, minimax=False)) is not None:
            return reply
        if fault == "fail":
            return _envelope(500, -10000, "generation failed")
        problem, size = _image_request(body)
        if problem is not None:
            return problem
        prompt, model = body["prompt"], body["model"]
        await asyncio.sleep(self.config.image_seconds)
        image_id = f"{next(self._ids):x}"
        png = png_for(prompt, size)
        url = self._serve(request, f"{image_id}.png", png, "image/png")
        self._bill("image", body, image_id)
        return await self._after_accept(fault, web.json_response(
            {"image_url": url, "data": {"id": image_id, "model": model, "status": "succeeded", "output": [url]}}))

    # -- files and control ---------------------------------------------------------------------

    async def _download(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name.startswith("file-") and name.endswith(".mp4") and name[5:-4] in self._tasks.keys() - self._expired:
            return web.Response(body=sample_mp4(), content_type="video/mp4")
        if name not in self._files:
            return web.Response(status=404, text="not found")
        data, mime = self._files[name]
        return web.Response(body=data, content_type=mime)

    async def _set_config(self, request: web.Request) -> web.Response:
        try:
            self.configure(**await request.json())
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    async def _list_requests(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.requests))

    async def _list_billing(self, request: web.Request) -> web.Response:
        return web.json_response(self.billed)

    async def _list_outages(self, request: web.Request) -> web.Response:
        """How many free lookups an outage refused, per endpoint, and whether one is under way."""
        return web.json_response({"refused": self.outages.refused, "under_way": self.outages.under_way})

    async def _list_queries(self, request: web.Request) -> web.Response:
        """For each video task, when it was first asked about at or after `?after=` (a Unix
        time): how soon a restarted bot got round to all of them."""
        after = float(request.query.get("after", "0"))
        firsts = {task_id: next((at for at in times if at >= after), None) for task_id, times in self._queried.items()}
        return web.json_response({"tasks": len(self._tasks),
                                  "first_after": {t: at for t, at in firsts.items() if at is not None}})


def _video_problem(body: dict[str, Any]) -> str | None:
    """What the real service would refuse with 2013, or None."""
    model, prompt = body.get("model"), body.get("prompt", "")
    if model not in _VIDEO_MODELS:
        return f"unknown model {model!r}"
    if not isinstance(prompt, str) or len(prompt) > 2000:
        return "prompt must be a string of at most 2000 characters"
    first = body.get("first_frame_image")
    if model in _FIRST_FRAME_MODELS and not first:
        return "first_frame_image is required"
    if model.startswith("T2V") and not prompt.strip():
        return "prompt is required"
    if first and not _valid_image_ref(first):
        return "first_frame_image is not a URL or a decodable image"
    last = body.get("last_frame_image")
    if last is not None and model != "MiniMax-Hailuo-02":
        return f"{model} does not take last_frame_image"  # only Hailuo-02 takes a last frame
    if last is not None and not _valid_image_ref(last):
        return "last_frame_image is not a URL or a decodable image"
    if model == "S2V-01":
        refs = body.get("subject_reference")
        if (not isinstance(refs, list) or len(refs) != 1 or refs[0].get("type") != "character"
                or len(refs[0].get("image") or []) != 1 or not _valid_image_ref(refs[0]["image"][0])):
            return "subject_reference must hold exactly one character image"
    if model == "MiniMax-Hailuo-02":
        duration, resolution = body.get("duration", 6), body.get("resolution", "768P")
        if duration not in (6, 10) or resolution not in ("512P", "768P", "1080P"):
            return "duration must be 6 or 10 and resolution 512P, 768P or 1080P"
        if resolution == "512P" and not first:
            return "512P needs a first_frame_image"
        if resolution == "1080P" and duration != 6:
            return "1080P supports 6 s only"
        if not first and not prompt.strip():
            return "prompt is required"
    return None
