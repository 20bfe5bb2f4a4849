"""Who may use the bot, where, and with which limits: the operator's policy, in the core.

Settings say where the bot answers (allowed chats, DMs) and which tiers exist (with Discord
roles or user ids bound to them); admins' commands add bans, per-user / per-chat / per-tier
limits, grants and a pause on top (bot.store.policy). Every refusal here is one private
sentence and costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.requests import Requester
from bot.config import Settings
from bot.errors import QuotaExceeded
from bot.i18n import T
from bot.quota import Limits
from bot.store.chat_settings import ChatSettings
from bot.store.policy import Limit, Snapshot

__all__ = ["AccessPolicy", "Refused", "Tier", "PAUSED_BY_ACCOUNT"]

PAUSED_BY_ACCOUNT = T("The bot is paused by its operator's account; please try again later.")


class Refused(QuotaExceeded):
    """The policy refuses this person or place (not a matter of credits)."""


@dataclass(frozen=True)
class Tier:
    name: str
    daily_credits: int
    max_in_flight: int


@dataclass(frozen=True)
class AccessPolicy:
    default: Limits
    allowed_chats: frozenset[str] = frozenset()  # chat ids or "platform:id"; empty: everywhere
    allow_dms: bool = True
    tiers: Mapping[str, Tier] = field(default_factory=dict)
    role_tiers: Mapping[str, str] = field(default_factory=dict)  # Discord role id -> tier
    user_tiers: Mapping[str, str] = field(default_factory=dict)  # user key ("telegram:123") -> tier
    admins_unlimited: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        default = Limits(settings.daily_credits, settings.max_in_flight,
                         settings.chat_daily_credits or None, settings.bot_daily_mptc)
        tiers = {name: Tier(name, credits, flying) for name, (credits, flying) in settings.tiers.items()}
        return cls(default, settings.allowed_chats, settings.allow_dms, tiers, settings.role_tiers,
                   settings.user_tiers, settings.admins_unlimited)

    def check_place(self, who: Requester, snapshot: Snapshot) -> None:
        """Raise Refused when this person or place may not use the bot now."""
        if snapshot.pause is not None:
            if snapshot.pause.cause == "admin":
                if snapshot.pause.reason:
                    raise Refused(T("The bot is paused by its operator ({reason}). Please try again later.",
                                    reason=snapshot.pause.reason))
                raise Refused(T("The bot is paused by its operator. Please try again later."))
            raise Refused(PAUSED_BY_ACCOUNT)
        if who.user_key in snapshot.bans:
            raise Refused(T("You cannot use this bot."))
        if who.is_admin or (who.chat_id is None and not who.private):
            return  # admins go anywhere; a request from no chat at all (the console) has no place to check
        if who.private and not self.allow_dms:
            raise Refused(T("This bot does not take requests in private messages; use it in a group or server."))
        if not who.private and self.allowed_chats and not self.chat_allowed(who):
            raise Refused(T("This bot is not available in this chat."))

    def chat_allowed(self, who: Requester) -> bool:
        return not self.allowed_chats or bool({who.chat_id, who.chat_key} & self.allowed_chats)

    def tier_of(self, who: Requester, snapshot: Snapshot) -> Tier | None:
        name = self.user_tiers.get(who.user_key)
        if name is None:
            named = [self.tiers[t] for r in who.roles if (t := self.role_tiers.get(r)) in self.tiers]
            best = max(named, key=lambda tier: tier.daily_credits, default=None)
            name = best.name if best else None
        if name is None or name not in self.tiers:
            return None
        tier = self.tiers[name]
        override = snapshot.limits.get(f"tier:{name}")
        if override is not None:
            tier = Tier(name, override.daily_credits, override.max_in_flight or tier.max_in_flight)
        return tier

    def limits_for(self, who: Requester, snapshot: Snapshot, own_chat: ChatSettings | None = None) -> Limits:
        """The limits one request is checked against: tier or default, then the member's and
        the chat's own limits, narrowed by what the chat's own admins set (`own_chat`, never
        wider than the operator's), plus what the operator's admins granted the member today."""
        base = self.default
        daily, in_flight, chat_daily = base.daily_credits, base.max_in_flight, base.chat_daily_credits
        tier = self.tier_of(who, snapshot)
        if tier is not None:
            daily, in_flight = tier.daily_credits, tier.max_in_flight
        own = snapshot.limits.get(f"user:{who.user_key}")
        if own is not None:
            daily, in_flight = own.daily_credits, own.max_in_flight or in_flight
        chat = snapshot.limits.get(f"chat:{who.chat_key}") if who.chat_key else None
        if chat is not None:
            chat_daily = chat.daily_credits
        if who.is_admin and self.admins_unlimited:
            # unlimited for the admin, but never past the bot-wide ceiling: that protects the balance
            return Limits(10**12, 10**6, None, base.bot_daily_mptc)
        if own_chat is not None:
            if own_chat.member_daily is not None:
                daily = min(daily, own_chat.member_daily)
            if own_chat.daily_credits is not None:
                chat_daily = own_chat.daily_credits if chat_daily is None else min(chat_daily, own_chat.daily_credits)
        daily += snapshot.granted.get(who.user_key, 0)
        return Limits(daily, in_flight, chat_daily, base.bot_daily_mptc)


    def chat_bounds(self, chat_key: str, snapshot: Snapshot) -> tuple[int, int | None]:
        """The most a chat's own admins may set there: credits a day for one member (the most
        the operator gives any member) and for the whole chat (None: the operator sets no cap)."""
        member = max([self.default.daily_credits, *(tier.daily_credits for tier in self.tiers.values())])
        own = snapshot.limits.get(f"chat:{chat_key}")
        return member, own.daily_credits if own is not None else self.default.chat_daily_credits


def parse_limit(text: str) -> Limit:
    """`200` or `200/4` (credits a day / jobs at a time)."""
    credits, _, flying = text.partition("/")
    return Limit(int(credits), int(flying) if flying else None)
