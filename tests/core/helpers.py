"""Small builders shared by the core tests."""

from __future__ import annotations

import asyncio

from bot.ai302.client import Ai302Client, VideoStatus
from bot.domain.requests import Command, GenerationRequest, Requester
from bot.store.audit import ledger_problems

ALICE = Requester("test", "alice", chat_id="chat-1", name="Alice")
BOB = Requester("test", "bob", chat_id="chat-1", name="Bob")


def request(command: Command | str, prompt: str = "", *, who: Requester = ALICE, model: str | None = None,
            image: bytes | None = None, **options: str) -> GenerationRequest:
    return GenerationRequest(who, {"chat": who.chat_id}, Command(command), prompt, model, options, image)


async def ledger_balances(core) -> bool:
    """Both ledgers hold, per job and in total:
    - member credits: reserved = committed + refunded + still in flight;
    - operator spend: at most one billed row per job, one for every delivered job, and the
      usage counters equal the ledger (the bot-wide ceiling = billed + holds of unbilled jobs)."""
    return not await ledger_problems(core._store._db)  # reading the ledger directly is the point


async def until_finished(client: Ai302Client, task_id: str, timeout: float = 10.0) -> VideoStatus:
    """Query a simulated video until it succeeds or fails."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (status := await client.query_video(task_id)).status not in ("Success", "Fail"):
        assert loop.time() < deadline, "the video never finished"
        await asyncio.sleep(0.02)
    return status
