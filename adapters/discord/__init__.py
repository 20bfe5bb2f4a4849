"""reelbot on Discord: slash commands, a context menu and buttons, built on discord.py 2.x."""

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.config import DiscordConfig

__all__ = ["DiscordAdapter", "DiscordConfig"]
