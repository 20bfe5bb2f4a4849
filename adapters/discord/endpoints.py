"""Pointing discord.py at the configured REST base and gateway.

discord.py keeps both addresses in class attributes (`Route.BASE`, used by every REST and
webhook call, and `DiscordWebSocket.DEFAULT_GATEWAY`), so they are process-wide: the
adapter sets them for its lifetime and puts the previous values back when it stops.
"""

from __future__ import annotations

from collections.abc import Callable

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

__all__ = ["point_at", "use_gateway"]


def point_at(api_base: str, gateway_url: str | None) -> Callable[[], None]:
    """Set the addresses; returns the function that restores the previous ones."""
    previous = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = api_base.rstrip("/")
    if gateway_url:
        use_gateway(gateway_url)

    def restore() -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = previous

    return restore


def use_gateway(url: str) -> None:
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
