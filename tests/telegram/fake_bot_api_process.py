"""The fake Bot API as a remote service: each call answered after a network's latency, and
(for benchmarks) in a process of its own, so the bot under test pays none of its CPU.

`LatentBotApi` is the fake of tests/telegram/fake_bot_api.py whose every call waits
`latency` seconds (drawn uniformly from a range) before it is done and answered: a sleep, so
the server answers many calls at once, as Telegram does. It counts the calls under way at
the server (`in_flight`, `most_in_flight`): how many the bot keeps going at once.

Run as a process, it prints "fake Bot API listening on http://127.0.0.1:PORT" (port 0: the
system picks) and then takes one JSON command a line on stdin, answering each with one JSON
line on stdout (`start_fake_bot_api` and `FakeBotApiProcess` are the bench's side):

- {"offer": {"rate": R, "seconds": S, "text": "/image a fox", "first_user": N}}: R commands a
  second for S seconds, each from its own member in a private chat; answers when all are offered.
  (The same prompt each time: the simulator draws that image once, not once per command.)
- {"wait": {"for": "photo", "timeout": T}}: waits until every command offered has a bot reply
  with that key (or T seconds), then answers with the seconds from each command to its first
  reply of any kind and to its reply with the key, the calls by method and the most in flight.

    python -m tests.telegram.fake_bot_api_process --token TOKEN [--latency 0.05-0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from aiohttp import web

from adapters.telegram.in_place import _placeholder_png
from tests.telegram.fake_bot_api import FakeBotApi

__all__ = ["LatentBotApi", "FakeBotApiProcess", "start_fake_bot_api", "parse_latency"]

ROOT = Path(__file__).resolve().parents[2]


class LatentBotApi(FakeBotApi):
    """`latency`: (shortest, longest) seconds before each Bot API call is done and answered."""

    def __init__(self, *args, latency: tuple[float, float] = (0.0, 0.0), **kwargs):
        super().__init__(*args, **kwargs)
        self.latency = latency
        self.in_flight = 0
        self.most_in_flight = 0
        self._random = random.Random(23)  # the same draws in every run

    async def _handle_method(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if (longest := self.latency[1]) > 0:
                # Before the work, so a member sees a message no sooner than the bot hears it was sent.
                await asyncio.sleep(self._random.uniform(self.latency[0], longest))
            return await super()._handle_method(request)
        finally:
            self.in_flight -= 1


class BenchBotApi(LatentBotApi):
    """The fake a benchmark talks to: a photo's thumbnail is drawn once per distinct photo (7 ms
    of Pillow each), since on a shared machine that CPU would be taken from the bot measured.

    It also notes when each message first showed the member a result photo (`result_clock`):
    a new photo that is not the bot's placeholder, or a placeholder whose media was replaced
    (TELEGRAM_RESULT_IN_PLACE), since there the first photo the member sees is the placeholder."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._thumbnails: dict[bytes, list[tuple[bytes, int, int]]] = {}
        self.fetched: dict[int, float] = {}  # update id -> perf_counter when getUpdates first returned it
        self.result_clock: dict[tuple[int, int], float] = {}  # message -> perf_counter of its result photo
        self._placeholder = _placeholder_png()

    async def _api_sendPhoto(self, params, files):
        message = await super()._api_sendPhoto(params, files)
        if self.file_bytes(message["photo"][-1]["file_id"]) != self._placeholder:
            self.result_clock.setdefault((message["chat"]["id"], message["message_id"]), time.perf_counter())
        return message

    async def _api_editMessageMedia(self, params, files):
        message = await super()._api_editMessageMedia(params, files)
        if "photo" in message:
            self.result_clock.setdefault((message["chat"]["id"], message["message_id"]), time.perf_counter())
        return message

    async def _api_getUpdates(self, params, files):
        updates = await super()._api_getUpdates(params, files)
        now = time.perf_counter()
        for update in updates:  # when the bot first had each (where a member's wait goes)
            self.fetched.setdefault(update["update_id"], now)
        return updates

    def _photo_sizes(self, data: bytes) -> list[dict]:
        key = hashlib.sha256(data).digest()
        if key not in self._thumbnails:
            sizes = super()._photo_sizes(data)
            self._thumbnails[key] = [(self.file_bytes(s["file_id"]), s["width"], s["height"]) for s in sizes]
            return sizes
        out = []
        for blob, width, height in self._thumbnails[key]:
            file_id, unique = self.store_file(blob, "photos/photo.jpg")
            out.append({"file_id": file_id, "file_unique_id": unique, "width": width, "height": height,
                        "file_size": len(blob)})
        return out


def parse_latency(text: str) -> tuple[float, float]:
    """"0.05-0.1" (a range, seconds) or "0.08" (always that) -> (shortest, longest)."""
    low, _, high = text.partition("-")
    pair = (float(low), float(high or low))
    if not 0 <= pair[0] <= pair[1]:
        raise ValueError(f"latency must be 'low-high' seconds with 0 <= low <= high, not {text!r}")
    return pair


# ---- the process ------------------------------------------------------------------------

async def _offer(fake: FakeBotApi, rate: float, seconds: float, text: str, first_user: int,
                 sent: list[tuple[dict, float]]) -> dict:
    started = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        if (wait := started + i / rate - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        member = fake.user(first_user + i, f"M{i}")
        at = time.perf_counter()
        sent.append((await fake.send_text(member, fake.private_chat(member), text), at))
    return {"offered": total, "took": time.perf_counter() - started}


def _answered(fake: BenchBotApi, message: dict, key: str) -> tuple[float | None, float | None]:
    """When the bot's first reply to `message` appeared, and its first reply with `key` (for
    "photo": when a result photo appeared, new or in the placeholder's place)."""
    chat_id = message["chat"]["id"]
    first = with_key = None
    for reply in fake.replies_to(message):
        at = fake.reply_clock.get((chat_id, reply["message_id"]))
        first = at if first is None else min(first, at)
        if key == "photo":
            if (shown := fake.result_clock.get((chat_id, reply["message_id"]))) is not None:
                with_key = shown if with_key is None else min(with_key, shown)
        elif key in reply and with_key is None:
            with_key = at
    return first, with_key


async def _wait(fake: BenchBotApi, sent: list[tuple[dict, float]], key: str, timeout: float) -> dict:
    deadline = time.perf_counter() + timeout
    pending = list(sent)
    while pending and time.perf_counter() < deadline:
        pending = [(m, at) for m, at in pending if _answered(fake, m, key)[1] is None]
        if pending:
            await asyncio.sleep(0.1)
    first, done, last, fetched = [], [], None, []
    update_ids = {(u["message"]["chat"]["id"], u["message"]["message_id"]): u["update_id"]
                  for u in fake.pushed if "message" in u}
    for message, at in sent:
        if (got := fake.fetched.get(update_ids[(message["chat"]["id"], message["message_id"])])) is not None:
            fetched.append(got - at)
        reply, result = _answered(fake, message, key)
        if reply is not None:
            first.append(reply - at)
        if result is not None:
            done.append(result - at)
            last = max(last or result, result)
    return {"first_reply": sorted(first), "result": sorted(done), "fetched": sorted(fetched), "unanswered": len(sent) - len(done),
            "span": last - sent[0][1] if last is not None else None,
            "calls": Counter(c.method for c in fake.calls if c.method != "getUpdates"),
            "most_in_flight": fake.most_in_flight,
            "errors": Counter(f"{method}: {description}" for method, description in fake.errors)}


async def _serve(token: str, latency: tuple[float, float]) -> None:
    # a bot stopping with calls under way drops their connections: not worth a traceback here
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    fake = BenchBotApi(token, latency=latency)
    await fake.start()
    print(f"fake Bot API listening on http://127.0.0.1:{fake.port} (latency {latency[0]:g}-{latency[1]:g} s)",
          flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    sent: list[tuple[dict, float]] = []
    try:
        while line := await reader.readline():
            command = json.loads(line)
            if "offer" in command:
                o = command["offer"]
                answer = await _offer(fake, o["rate"], o["seconds"], o.get("text", "/image a fox"),
                                      o.get("first_user", 10_000), sent)
            elif "wait" in command:
                w = command["wait"]
                answer = await _wait(fake, sent, w.get("for", "photo"), w.get("timeout", 60.0))
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        await fake.close()


class FakeBotApiProcess:
    """The bench's handle on a fake Bot API running in its own process."""

    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc, self.port = proc, port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def ask(self, command: dict) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the fake Bot API process ended")
        return json.loads(line)

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # end of commands: it closes its server and exits
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_fake_bot_api(token: str, latency: str = "0") -> FakeBotApiProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.telegram.fake_bot_api_process", "--token", token, "--latency", latency],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("fake Bot API listening on "):
        proc.kill()
        raise RuntimeError(f"the fake Bot API did not start: {line!r}")
    return FakeBotApiProcess(proc, int(re.search(r":(\d+) ", line).group(1)))


def main() -> None:
    parser = argparse.ArgumentParser(description="the fake Telegram Bot API in its own process")
    parser.add_argument("--token", required=True)
    parser.add_argument("--latency", default="0", help="seconds before each call is answered: 'low-high' or one value")
    args = parser.parse_args()
    asyncio.run(_serve(args.token, parse_latency(args.latency)))


if __name__ == "__main__":
    main()
