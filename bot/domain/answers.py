"""What the core answers an adapter: an accepted job, a member's quota, the operator's spend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.money import ptc_text
from bot.domain.requests import Command

__all__ = ["Ticket", "QuotaStatus", "OperatorSpend"]


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
