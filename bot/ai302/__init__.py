"""The 302.AI client and its local simulator."""

from bot.ai302.client import Ai302Client, FileInfo, VideoStatus

__all__ = ["Ai302Client", "FileInfo", "VideoStatus"]
