"""The fake Discord's gateway: HELLO, IDENTIFY → READY and GUILD_CREATE, heartbeats, dispatches.

It speaks JSON, plain or zlib-stream compressed (what discord.py asks for by default). Sessions
may be shards (IDENTIFY's `shard: [id, count]`): as Discord does, a shard is told of its own
guilds only, `(guild_id >> 22) % count == id`, and gets only their events; DMs go to shard 0.
"""

from __future__ import annotations

import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.discord.fake_discord_payloads import channel_payload, guild_payload

if TYPE_CHECKING:
    from tests.discord.fake_discord import FakeDiscord

__all__ = ["FakeGateway", "GatewaySession", "shard_of"]

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule for which shard receives a guild's events."""
    return (guild_id >> 22) % shard_count


@dataclass
class GatewaySession:
    ws: web.WebSocketResponse
    compressor: Any | None  # zlib stream shared by every frame, as Discord does
    sequence: int = 0
    intents: int | None = None
    ready: bool = False
    shard: tuple[int, int] = (0, 1)  # (id, count) from IDENTIFY
    events: list[str] = field(default_factory=list)  # every dispatch this session received, by name
    guilds: list[int] = field(default_factory=list)  # the guilds its READY announced

    def serves(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, count))

    async def send(self, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload)
        if self.compressor is None:
            await self.ws.send_str(raw)
        else:
            data = self.compressor.compress(raw.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.sequence += 1
        self.events.append(event)
        await self.send({"op": 0, "t": event, "s": self.sequence, "d": data})


class FakeGateway:
    def __init__(self, discord: FakeDiscord):
        self.discord = discord
        self.sessions: list[GatewaySession] = []

    def ready_session(self, guild_id: int | None = None, *, any_shard: bool = False) -> GatewaySession | None:
        """The live session that receives `guild_id`'s events (DMs: shard 0's)."""
        return next((s for s in reversed(self.sessions)
                     if s.ready and not s.ws.closed and (any_shard or s.serves(guild_id))), None)

    def ready_shards(self) -> set[tuple[int, int]]:
        return {s.shard for s in self.sessions if s.ready and not s.ws.closed}

    async def close(self) -> None:
        for session in self.sessions:
            await session.ws.close()

    async def disconnect(self, code: int, reason: str = "") -> None:
        """End the bot's session as Discord does, e.g. 4004 after its token was reset."""
        session = self.ready_session(any_shard=True)
        if session is None:
            raise AssertionError("no bot is connected to the gateway")
        await session.ws.close(code=code, message=reason.encode())

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            self.discord.problems.append(f"gateway compression {compress!r} is not supported by the fake")
            await ws.close(code=4000)
            return ws
        if request.query.get("v") != "10" or request.query.get("encoding") != "json":
            self.discord.problems.append(f"gateway query {dict(request.query)}")
        session = GatewaySession(ws, zlib.compressobj() if compress else None)
        self.sessions.append(session)
        await session.send({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op == 1:
                await session.send({"op": 11})
            elif op == 2:
                await self._identify(session, payload["d"])
            elif op == 6:
                await session.send({"op": 9, "d": False})  # sessions are never resumable here
            else:
                self.discord.problems.append(f"unexpected gateway op {op}")
        session.ready = False
        return ws

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        self.discord.identifies.append(data)
        if data.get("token") != self.discord.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await session.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS:
            await session.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard", [0, 1])
        if (not isinstance(shard, list) or len(shard) != 2 or not all(isinstance(n, int) for n in shard)
                or not 0 <= shard[0] < shard[1]):
            await session.ws.close(code=4010, message=b"Invalid shard.")
            return
        session.intents, session.shard = intents, (shard[0], shard[1])
        guilds = sorted({g for g in self.discord.channels.values() if g is not None and session.serves(g)})
        session.guilds = guilds
        await session.dispatch("READY", {
            "v": 10, "user": self.discord.bot_user, "session_id": secrets.token_hex(16),
            "resume_gateway_url": self.discord.gateway_url, "shard": list(session.shard),
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "application": {"id": str(self.discord.application_id), "flags": 0},
            "private_channels": [], "relationships": [],
        })
        if intents & 1:  # GUILDS: the full guilds follow READY
            for guild in guilds:
                channels = [channel_payload(c, g, "general", nsfw=c in self.discord.nsfw_channels)
                            for c, g in self.discord.channels.items() if g == guild]
                await session.dispatch("GUILD_CREATE", guild_payload(
                    guild, "Test server", channels, self.discord.bot_user, premium_tier=0,
                    roles=self.discord.guild_roles))
        session.ready = True
        await self.discord.changed()
