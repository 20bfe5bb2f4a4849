"""Quota policy: the limits, the day they are counted over, and the refusals members read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.errors import QuotaExceeded
from bot.i18n import T, TN, Text

__all__ = ["Limits", "Usage", "quota_day", "next_reset", "until"]


def quota_day(now: float) -> str:
    """Quota days run midnight to midnight UTC, the same for every member wherever they are."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


def next_reset(now: float) -> datetime:
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def until(moment: datetime, now: float) -> Text:
    """`3h 5m`, `12m`, `40s`: how long from now until `moment`."""
    seconds = max(0, int(moment.timestamp() - now))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return T("{hours}h {minutes}m", hours=hours, minutes=minutes)
    return T("{minutes}m", minutes=minutes) if minutes else T("{seconds}s", seconds=seconds)


@dataclass(frozen=True)
class Usage:
    """What one requester, their chat and the whole bot have spent today."""

    user_spent: int  # credits of price, as the chat's
    in_flight: int
    chat_spent: int
    bot_held_mptc: int  # what the bot-wide ceiling counts: billed cost plus holds not yet billed
    operator_spent_mptc: int = 0  # what 302.AI billed (or may have)
    purchased: int = 0  # the member's purchased credits left (they do not expire at midnight)
    from_wallet: int = 0  # of a reservation: how much came from them


@dataclass(frozen=True)
class Limits:
    daily_credits: int
    max_in_flight: int
    chat_daily_credits: int | None = None  # None: no per-chat limit
    bot_daily_mptc: int = 0  # the bot-wide ceiling on what 302.AI charges; 0: none

    def check(self, usage: Usage, price: int, cost_mptc: int, now: float, wallet: int = 0) -> int:
        """Raise QuotaExceeded with the member-facing reason when a job priced `price` credits
        (that 302.AI charges `cost_mptc` for) does not fit; else return how much of its price
        comes from the member's purchased credits (`wallet`), which are spent only once
        today's free credits are used up. A price of 0 still counts against the ceiling."""
        reset = until(next_reset(now), now)
        if usage.in_flight >= self.max_in_flight:
            raise QuotaExceeded(TN("You already have {n} job running (the limit is {limit} at a time). "
                                   "Wait for one to finish, then try again.",
                                   "You already have {n} jobs running (the limit is {limit} at a time). "
                                   "Wait for one to finish, then try again.",
                                   usage.in_flight, limit=self.max_in_flight))
        left = max(0, self.daily_credits - usage.user_spent)
        from_wallet = max(0, price - left)
        if from_wallet > wallet:
            if wallet:
                raise QuotaExceeded(T("This costs {cost} credits and you have {left} left today and {wallet} "
                                      "purchased. Your credits reset in {reset}.",
                                      cost=price, left=left, wallet=wallet, reset=reset))
            raise QuotaExceeded(T("This costs {cost} credits and you have {left} left today. "
                                  "Your credits reset in {reset}.", cost=price, left=left, reset=reset))
        if self.chat_daily_credits is not None and price > self.chat_daily_credits - usage.chat_spent:
            raise QuotaExceeded(T("This chat has used its {credits} credits for today. They reset in {reset}.",
                                  credits=self.chat_daily_credits, reset=reset))
        if self.bot_daily_mptc and cost_mptc > self.bot_daily_mptc - usage.bot_held_mptc:
            raise QuotaExceeded(T("The bot has reached its spending limit for today. Try again in {reset}.",
                                  reset=reset))
        return from_wallet
