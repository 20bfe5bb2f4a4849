"""A local stand-in for 302.AI: same endpoints, JSON, statuses and errors; real PNG and MP4."""

from bot.ai302.simulator.server import FAULTS, Simulator

__all__ = ["Simulator", "FAULTS"]
