"""A bot process to kill: the core on a database, against a 302.AI address, posting to a file.

    python -m tests.core.bot_process --db D --sim URL --key K --posts F [--submit N --rate R --faults SEED]
                                     [--database-url postgresql://… --worker-id W --lease S --stay]

It submits N requests (a seeded share of them carrying simulator faults), prints
`submitted N` when all are accepted or refused, and runs until every job has ended. The
"chat" is an append-only file, one line per post ("deliver <job>" / "fail <job>"), which
survives a SIGKILL and can be asked what it holds (find_post), as Discord can be.
With `--database-url` several such processes are workers sharing one PostgreSQL store;
`--stay` keeps one running after its own jobs end (to take over others'), until killed.
Used by the SIGKILL tests, bench/soak.py and bench/cluster.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from pathlib import Path

from bot.domain.requests import Command, GenerationRequest, Requester
from bot.config import Settings
from bot.errors import UserError
from bot.jobs.runner import Timing
from bot.bootstrap import bootstrap

# ~20 % of requests carry one of these, in equal shares
FAULTS = ["timeout-after-accept=3", "5xx-after-accept=500", "5xx-after-accept=502", "garbage-after-accept",
          "500", "garbage", "429", "503", "1002", "fail", "flag", "flag-video", "code=1013"]


class FileMessenger:
    def __init__(self, path: Path):
        self._path = path

    def _append(self, line: str) -> None:
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{line}\n".encode())
        finally:
            os.close(fd)

    def lines(self) -> list[str]:
        return self._path.read_text().splitlines() if self._path.exists() else []

    async def acknowledge(self, job, ticket):
        return None

    async def progress(self, job, progress):
        return None

    async def deliver(self, job, result):
        self._append(f"deliver {job.id}")

    async def fail(self, job, reason):
        self._append(f"fail {job.id}")

    async def find_post(self, job) -> bool:
        return f"{'fail' if job.state == 'failed' else 'deliver'} {job.id}" in self.lines()

    def upload_limit(self, job):
        return 50 * 1024 * 1024


def settings(db: Path, sim: str, key: str, timeout: float = 1.0, **overrides) -> Settings:
    # Deadlines scaled down like TIMING: a request that 302.AI keeps refusing with 429 (a
    # `[sim:429]` prompt) is tried again until its deadline, and must end within seconds here.
    values = dict(api_key=key, base_url=sim, data_dir=db.parent, db_path=db, daily_credits=10_000,
                  max_in_flight=10_000, submit_timeout=timeout, image_timeout=timeout,
                  video_deadline=15.0, image_deadline=8.0)
    return Settings(**{**values, **overrides})


# About 1/60 of the real waits (retry_max 60 s -> 1 s; the query grace 30 min -> 30 s)
TIMING = Timing(min_poll_interval=0.2, max_poll_interval=1.0, retry_base=0.1, retry_max=1.0,
                expected_seconds=1.0, delivery_retry_max=1.0, query_grace=30.0)


UNIFIED = ("kling-25-turbo", "sora-2", "pixverse-v5", "luma-video")  # priced in the shipped list
# image models of 302.AI's asynchronous interface (bot.catalog.models._ASYNC_IMAGES)
ASYNC_IMAGES = ("302ai-flux-v1.1-ultra-t2i", "google-v3-t2i", "recraft-v3-t2i")


def requests(count: int, seed: int, fault_share: float = 0.2, *, only: Command | None = None,
             member: str | None = None, unified: int = 0, async_images: int = 0) -> list[GenerationRequest]:
    """`unified`: every how-manyth video goes to one of 302.AI's unified models (0: none);
    `async_images`: every how-manyth image to one drawn asynchronously, every other one of
    those asking for several pictures (`[sim:images=3]`)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        who = Requester("file", member or f"member{i % 50}", chat_id=f"chat{i % 5}")
        command = only or (Command.IMAGE if i % 3 else Command.VIDEO)
        tag = f" [sim:{rng.choice(FAULTS)}]" if rng.random() < fault_share else ""
        to_unified = command is Command.VIDEO and unified and i % unified == 0
        model = UNIFIED[(i // max(unified, 1)) % len(UNIFIED)] if to_unified else None
        if command is Command.IMAGE and async_images and i % async_images == 0:
            turn = i // async_images
            model = ASYNC_IMAGES[turn % len(ASYNC_IMAGES)]
            tag += " [sim:images=3]" if turn % 2 else ""
        out.append(GenerationRequest(who, {"line": i}, command, f"soak #{i}{tag}", model))
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--posts", type=Path, required=True)
    parser.add_argument("--submit", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second (0: all at once)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ceiling", type=int, default=0, help="bot-wide ceiling in mPTC (0: none)")
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds a paid call may take")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--worker-id", default="")
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--stay", action="store_true")
    parser.add_argument("--first", type=int, default=0, help="number the requests from here (several workers)")
    parser.add_argument("--only", choices=["video", "image"], default=None, help="one kind of request")
    parser.add_argument("--unified", type=int, default=0, help="every Nth video to a unified v2 model")
    parser.add_argument("--async-images", type=int, default=0, help="every Nth image to an asynchronous model")
    parser.add_argument("--member", default=None, help="every request from this one member")
    parser.add_argument("--daily", type=int, default=10_000, help="each member's daily credits")
    parser.add_argument("--faults", type=float, default=0.2, help="share of requests with a fault")
    parser.add_argument("--go-at", type=float, default=0.0, help="wall-clock time to start submitting at")
    parser.add_argument("--video-deadline", type=float, default=15.0, help="seconds a video may take")
    parser.add_argument("--image-deadline", type=float, default=8.0, help="seconds an image may take")
    parser.add_argument("--prices", default="", help="MODEL=CREDITS,… as REELBOT_PRICES (0 allowed)")
    args = parser.parse_args()
    core = await bootstrap(settings(args.db, args.sim, args.key, args.timeout, bot_daily_mptc=args.ceiling,
                                     database_url=args.database_url, worker_id=args.worker_id,
                                     lease_seconds=args.lease, daily_credits=args.daily,
                                     video_deadline=args.video_deadline, image_deadline=args.image_deadline,
                                     prices=_prices(args.prices)),
                            timing=TIMING)
    core.register("file", FileMessenger(args.posts))
    await core.start()

    accepted = 0

    async def submit(request: GenerationRequest) -> None:
        nonlocal accepted
        try:
            await core.submit(request)
            accepted += 1
        except UserError:
            pass  # refused: nothing spent

    batch = requests(args.first + args.submit, args.seed, args.faults, member=args.member,
                     only=Command(args.only) if args.only else None, unified=args.unified,
                     async_images=args.async_images)[args.first:]
    if args.go_at:
        await asyncio.sleep(max(0.0, args.go_at - time.time()))  # several workers start together
    began = time.time()
    pending = []
    for i, request in enumerate(batch):
        pending.append(asyncio.create_task(submit(request)))
        if args.rate and i % 10 == 9:
            await asyncio.sleep(10 / args.rate)
    await asyncio.gather(*pending)
    print(f"submitted {args.submit} accepted {accepted} from {began:.3f} to {time.time():.3f}", flush=True)
    if args.stay:
        await asyncio.Event().wait()  # a worker: runs whatever it claims until killed
    await core.wait_idle()
    await core.stop()
    print("idle", flush=True)


def _prices(raw: str) -> dict[str, int]:
    """`T2V-01=0,image-01=2` (REELBOT_PRICES' form) as {model: credits}."""
    pairs = (item.split("=", 1) for item in raw.split(",") if item.strip())
    return {name.strip(): int(value) for name, value in pairs}


if __name__ == "__main__":
    asyncio.run(main())
