"""The simulator calls back, as MiniMax (`callback` in the submission) and 302.AI's unified
interface (`?webhook=` on create) do, optionally and with faults.

For a MiniMax task it first POSTs `{"challenge": "…"}` and sends nothing more for that task
unless the same JSON comes back; at the video's end it POSTs the status query's shape. A v2
task gets the fetch's shape at its end. How each task calls back:

    on         at the end (the default whenever a URL is given)
    late=N     N seconds after the end
    twice      two posts at the end (a duplicate)
    never      no status post at all (the challenge still comes)
    wrong-path the post goes to the address with its token spoilt: the bot must answer 404
    forged     a post claiming success at once, while the video still runs; then the real one

Per task with a prompt marker `[sim:cb-never]`, `[sim:cb-late=2]`, … (put it after any other
`[sim:…]` fault: the first marker of a prompt is its fault); for every task with
`POST /_sim/config {"callbacks": "off"}` (pending posts are dropped: callbacks stop mid-run),
`{"callbacks": "on"}`, or `{"callbacks": {"mode": "late=2", "lost": 0.3}}` (`lost`: that
share of the tasks, drawn at random, never calls back). `GET /_sim/callbacks` lists every
post made and its answer; `GET /_sim/tasks` says, per video task, when it finished (Unix
time), how many status queries it had and how many callbacks reached the bot.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import secrets
import time
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["Callbacks", "MODES"]

MODES = ("on", "late", "twice", "never", "wrong-path", "forged")
_MARKER = re.compile(r"\[sim:cb-([a-z-]+)(?:=([0-9.]+))?\]")


class Callbacks:
    def __init__(self, sim: Any):
        self._sim = sim
        self.enabled = True
        self.mode = "on"
        self.lost = 0.0
        self._rng = random.Random(24)
        self.sent: list[dict[str, Any]] = []  # every post made, oldest first
        self._reached: dict[str, int] = {}  # task id -> status posts the bot answered 200
        self._started: dict[str, float] = {}  # task id -> time.time() at creation
        self._running: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def install(self, app: web.Application) -> None:
        app.router.add_get("/_sim/callbacks", self._list)
        app.router.add_get("/_sim/tasks", self._tasks)

    def configure(self, value: Any) -> None:
        if value in ("on", "off", True, False):
            self.enabled = value in ("on", True)
            return
        if not isinstance(value, dict):
            raise ValueError("callbacks: 'on', 'off' or {\"mode\": …, \"lost\": 0.3}")
        self.enabled = value.get("enabled", self.enabled)
        mode = str(value.get("mode", self.mode))
        if mode.partition("=")[0] not in MODES:
            raise ValueError(f"callbacks mode {mode!r}: one of {', '.join(MODES)}")
        self.mode, self.lost = mode, float(value.get("lost", self.lost))

    async def stop(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def created(self, task: Any, url: Any, family: str, prompt: Any) -> None:
        """A video task was created (and billed), with `url` to call back or None."""
        self._started[task.task_id] = time.time()
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return
        marker = _MARKER.search(prompt) if isinstance(prompt, str) else None
        mode = f"{marker.group(1)}={marker.group(2)}" if marker and marker.group(2) else (
            marker.group(1) if marker else self.mode)
        if marker is None and self.lost and self._rng.random() < self.lost:
            mode = "never"
        run = asyncio.get_running_loop().create_task(self._call_back(task, url, family, mode))
        self._running.add(run)
        run.add_done_callback(self._running.discard)

    async def _call_back(self, task: Any, url: str, family: str, mode: str) -> None:
        name, _, value = mode.partition("=")
        if family == "minimax":
            challenge = secrets.token_hex(8)
            answer = await self._post(task, url, {"challenge": challenge}, "challenge")
            if answer != {"challenge": challenge}:
                return  # MiniMax keeps no address that did not echo its challenge
        if name == "forged":
            await self._post(task, url, _body(task, family, self._sim.base_url, forged=True), "forged")
        while (left := task.started + task.seconds - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 1.0))  # re-read: finish_all may end the video sooner
        if name == "late":
            await asyncio.sleep(float(value or 5))
        if name == "never":
            return
        if name == "wrong-path":
            url = url[:-1] + ("0" if url[-1] != "0" else "1")
        for _ in range(2 if name == "twice" else 1):
            await self._post(task, url, _body(task, family, self._sim.base_url), "status")

    async def _post(self, task: Any, url: str, body: dict[str, Any], kind: str) -> Any:
        if not self.enabled:
            self.sent.append({"task_id": task.task_id, "kind": kind, "status": None, "at": time.time()})
            return None
        if self._session is None:
            self._session = aiohttp.ClientSession()
        status, answer = None, None
        try:
            async with self._session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=3)) as reply:
                status = reply.status
                try:
                    answer = json.loads(await reply.read())
                except ValueError:
                    answer = None
        except (aiohttp.ClientError, asyncio.TimeoutError):
            pass  # as MiniMax: a callback that did not get through is not sent again
        if kind == "status" and status == 200:
            self._reached[task.task_id] = self._reached.get(task.task_id, 0) + 1
        self.sent.append({"task_id": task.task_id, "kind": kind, "status": status, "at": time.time()})
        return answer

    async def _list(self, request: web.Request) -> web.Response:
        return web.json_response(self.sent)

    async def _tasks(self, request: web.Request) -> web.Response:
        tasks = {}
        for task_id, task in list(self._sim._tasks.items()):
            tasks[task_id] = {"finish": self._started.get(task_id, 0.0) + task.seconds,
                              "queries": len(self._sim._queried.get(task_id, ())),
                              "callbacks": self._reached.get(task_id, 0)}
        return web.json_response(tasks)


def _body(task: Any, family: str, base_url: str, *, forged: bool = False) -> dict[str, Any]:
    """The status query's shape (MiniMax) or the fetch's (v2), as at the end; `forged`: a
    success claimed while the video still runs, naming a file of the forger's."""
    failed = not forged and task.fault in ("fail", "flag-video")
    if family == "minimax":
        return {"task_id": task.task_id, "status": "Fail" if failed else "Success",
                "file_id": "file-forged" if forged else "" if failed else f"file-{task.task_id}",
                "base_resp": {"status_code": 0, "status_msg": "success"}}
    url = "https://forger.example/forged.mp4" if forged else f"{base_url}/files/file-{task.task_id}.mp4"
    return {"task_id": task.task_id, "status": "failed" if failed else "completed", "model": task.model,
            "video_url": None if failed else url}
