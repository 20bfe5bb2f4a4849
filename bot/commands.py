"""What an adapter hands the core, and what it gets back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.catalog import Command
from bot.domain.money import ptc_text

__all__ = ["Requester", "GenerationRequest", "Ticket", "QuotaStatus", "Destination", "OperatorSpend"]

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
    `image` is the first frame for /animate, or the character for /video.
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


@dataclass(frozen=True)
class Ticket:
    """The answer to an accepted request: what the member is told at once."""

    job_id: str
    command: Command
    model: str
    price: int  # credits
    credits_left: int | None  # None: no daily limit (an admin)
    jobs_in_flight: int


@dataclass(frozen=True)
class QuotaStatus:
    daily_credits: int
    used_today: int
    credits_left: int
    jobs_in_flight: int
    max_in_flight: int
    resets_at: datetime
    chat_credits_left: int | None = None  # None where no per-chat limit is set
    granted_today: int = 0  # credits admins added for today (included in daily_credits)
    unlimited: bool = False  # an admin, held only by the bot-wide ceiling
    purchased: int = 0  # purchased credits left (they do not expire; spent after the daily ones)
    tier: str | None = None


@dataclass(frozen=True)
class OperatorSpend:
    """What 302.AI billed today (or may have: unconfirmed calls count), for the operator: the
    cost of the calls, whatever members paid for them."""

    mptc: int
    ceiling_mptc: int  # the bot-wide daily ceiling; 0: none

    def __str__(self) -> str:
        limit = (f" of the bot-wide ceiling of {ptc_text(self.ceiling_mptc)} PTC" if self.ceiling_mptc
                 else " (no bot-wide ceiling)")
        return f"operator spend today: {ptc_text(self.mptc)} PTC{limit}"
