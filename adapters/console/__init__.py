"""A chat in the terminal: try reelbot without any bot token."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
