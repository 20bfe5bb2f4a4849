"""What an adapter hands the core: who asks, where to answer, and what is asked for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Command", "Requester", "GenerationRequest", "Destination"]


class Command(StrEnum):
    VIDEO = "video"
    ANIMATE = "animate"
    IMAGE = "image"


# Where to answer, as the adapter understands it: chat/channel id, message ids, and for
# Discord the interaction token and its expiry. It must survive json.dumps, because it is
# stored with the job and read back after a restart.
Destination = dict[str, Any]


@dataclass(frozen=True)
class Requester:
    platform: str  # "discord", "telegram", "console"
    user_id: str
    chat_id: str | None = None  # Telegram chat or Discord guild: the scope of per-chat limits
    name: str = ""
    is_admin: bool = False
    private: bool = False  # a direct message / private chat with the bot
    roles: tuple[str, ...] = ()  # Discord role ids, for tiers bound to roles
    # the member's language as the platform names it ("zh-hans", "zh-CN", "zh_CN.UTF-8"; None:
    # unknown); stored with each job, so notices sent later are in it (bot.i18n.language_of)
    language: str | None = None
    # the place is marked for adults by the platform (a Discord channel marked age-restricted,
    # NSFW), where the operator's adult-only models may run (bot.chats.adult)
    age_restricted: bool = False
    # the chat's or server's title as the platform shows it ("" where it has none, a private
    # chat): kept for the operator's console (bot.store.reservations), never for a rule
    chat_title: str = ""

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def chat_key(self) -> str | None:
        return f"{self.platform}:{self.chat_id}" if self.chat_id else None


@dataclass(frozen=True)
class GenerationRequest:
    """One /video, /animate or /image, as typed: nothing in it has been checked yet.

    `options` holds raw option values by name ("duration", "resolution", "camera",
    "aspect_ratio"); "camera" may list several moves separated by commas.
    `image` is the first frame for /animate, or the character for /video; `end_image` the
    last frame for /animate (models that take one); `video` the clip a video-to-video model
    restyles (/video). All three are the member's bytes, unchecked.
    `request_key` names the platform event behind the request (e.g. a Telegram update):
    submitting the same key twice makes one job, so a redelivered event is harmless.
    """

    requester: Requester
    destination: Destination
    command: Command
    prompt: str = ""
    model: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    image: bytes | None = None
    request_key: str | None = None
    end_image: bytes | None = None
    video: bytes | None = None
