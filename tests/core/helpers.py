"""Small builders shared by the core tests."""

from __future__ import annotations

import asyncio

from bot.ai302.client import Ai302Client, VideoStatus
from bot.catalog import Command
from bot.commands import GenerationRequest, Requester

ALICE = Requester("test", "alice", chat_id="chat-1", name="Alice")
BOB = Requester("test", "bob", chat_id="chat-1", name="Bob")


def request(command: Command | str, prompt: str = "", *, who: Requester = ALICE, model: str | None = None,
            image: bytes | None = None, **options: str) -> GenerationRequest:
    return GenerationRequest(who, {"chat": who.chat_id}, Command(command), prompt, model, options, image)


async def ledger_balances(core) -> bool:
    """reserved = committed + refunded + still in flight, per job and in total."""
    db = core._store._db  # reading the ledger directly is the point of this check
    rows = await db.fetchall("""
        SELECT j.id, j.state,
          COALESCE(SUM(CASE l.entry WHEN 'reserve' THEN l.amount END), 0) AS reserved,
          COALESCE(SUM(CASE l.entry WHEN 'commit' THEN l.amount END), 0) AS committed,
          COALESCE(SUM(CASE l.entry WHEN 'refund' THEN l.amount END), 0) AS refunded,
          j.cost
        FROM jobs j LEFT JOIN ledger l ON l.job_id = j.id GROUP BY j.id""")
    for row in rows:
        in_flight = row["cost"] if row["state"] in ("queued", "running", "ready") else 0
        if row["reserved"] != row["cost"] or row["reserved"] != row["committed"] + row["refunded"] + in_flight:
            return False
        if row["state"] == "delivered" and row["committed"] != row["cost"]:
            return False
        if row["state"] == "failed" and row["refunded"] != row["cost"]:
            return False
    spent = await db.fetchone("SELECT COALESCE(SUM(spent), 0) AS s FROM usage WHERE scope = 'bot'")
    net = await db.fetchone("SELECT COALESCE(SUM(CASE entry WHEN 'reserve' THEN amount "
                            "WHEN 'refund' THEN -amount ELSE 0 END), 0) AS n FROM ledger")
    return spent["s"] == net["n"]


async def until_finished(client: Ai302Client, task_id: str, timeout: float = 10.0) -> VideoStatus:
    """Query a simulated video until it succeeds or fails."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (status := await client.query_video(task_id)).status not in ("Success", "Fail"):
        assert loop.time() < deadline, "the video never finished"
        await asyncio.sleep(0.02)
    return status
