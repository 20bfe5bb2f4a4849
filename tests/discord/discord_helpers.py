"""Small readers for what the fake Discord recorded, shared by the Discord tests."""

from __future__ import annotations

from typing import Any

from bot.domain.requests import Requester
from tests.discord.fake_discord import FakeDiscord, FakeMessage

__all__ = ["embeds_sent", "fields", "member"]


def embeds_sent(message: FakeMessage) -> list[dict[str, Any]]:
    """Every embed the message showed over its edits, oldest first."""
    return [embed for body in message.history for embed in body.get("embeds") or []]


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def member(fake: FakeDiscord, name: str) -> Requester:
    """The core's view of a fake member in the fake guild (for quota checks)."""
    return Requester("discord", fake.user_id(name), chat_id=str(fake.guild_id))
