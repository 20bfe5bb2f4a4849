"""Packs of purchased credits, paid in Telegram Stars (an operator's choice: off unless
TELEGRAM_STARS_PER_CREDIT is set). The core checks every invoice's payload and price itself,
sells only to whom the access policy lets use the bot now (not banned, not paused, an allowed
chat: checked before an invoice and again at pre-checkout), applies each payment once, and
takes a refunded payment's credits back once. Talking to Telegram (invoices, the refund call)
is the adapter's."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.access import AccessPolicy, Refused
from bot.domain.requests import Requester
from bot.i18n import T
from bot.quota import quota_day
from bot.store.policy import PolicyStore
from bot.store.wallet import Wallets

__all__ = ["Shop", "Pack", "CURRENCY", "CLOSED", "RefundStars", "read_payload", "refund_payment"]

CURRENCY = "XTR"  # Telegram Stars
CLOSED = T("Buying credits is not enabled on this bot.")


@dataclass(frozen=True)
class Pack:
    credits: int
    stars: int

    @property
    def payload(self) -> str:
        return f"credits:{self.credits}"

    def payload_for(self, chat_id: str) -> str:
        """The invoice's payload, naming the chat it was sent to: a pre-checkout query names
        only the buyer, and the chat must still be allowed when they pay."""
        return f"{self.payload}:in:{chat_id}"


def read_payload(payload: str) -> tuple[int | None, str | None]:
    """(credits, chat id) of an invoice's payload; None for what it does not say (invoices
    sent before the chat was named in them say only the credits)."""
    parts = payload.split(":")
    credits = int(parts[1]) if len(parts) >= 2 and parts[0] == "credits" and parts[1].isdigit() else None
    chat = parts[3] if len(parts) == 4 and parts[2] == "in" and parts[3] else None
    return credits, chat


# The platform's refund of a payment: (user id on the platform, charge id). It returns when
# the Stars went back (or had gone back before); it raises when they did not.
RefundStars = Callable[[str, str], Awaitable[None]]


class Shop:
    def __init__(self, wallets: Wallets, packs: tuple[int, ...], stars_per_credit: int | None,
                 clock: Callable[[], float] = time.time, *, access: AccessPolicy, policy: PolicyStore):
        self._wallets, self._clock = wallets, clock
        self._access, self._policy = access, policy
        self._packs = {n: Pack(n, n * stars_per_credit) for n in packs} if stars_per_credit else {}

    @property
    def open(self) -> bool:
        return bool(self._packs)

    def packs(self) -> list[Pack]:
        return list(self._packs.values())

    def pack(self, credits: int) -> Pack | None:
        return self._packs.get(credits)

    async def admit(self, buyer: Requester) -> None:
        """Refused when `buyer` may not use the bot now (banned, the bot paused, a chat outside
        the allowlist): their Stars would buy credits they cannot spend."""
        if not self.open:
            raise Refused(CLOSED)
        self._access.check_place(buyer, await self._policy.snapshot(quota_day(self._clock())))

    async def check(self, buyer: Requester, payload: str, total: int, currency: str) -> Pack:
        """Pre-checkout: the pack an invoice is for, if it still is on sale at that price to
        this buyer; else Refused."""
        await self.admit(buyer)
        credits, _ = read_payload(payload)
        pack = self._packs.get(credits) if credits is not None else None
        if pack is None or currency != CURRENCY or total != pack.stars:
            raise Refused(T("That offer has changed; send /buy again for the current packs."))
        return pack

    async def paid(self, user_key: str, charge_id: str, payload: str, total: int, currency: str) -> tuple[bool, Pack]:
        """Apply a successful payment once: (newly applied?, the pack)."""
        credits, _ = read_payload(payload)
        if credits is None:
            raise Refused(T("That payment is not for credits."))
        # What was paid counts, even if the price changed since the invoice was checked.
        pack = Pack(credits, total)
        added = await self._wallets.purchase(user_key, charge_id, pack.credits, total, self._clock())
        return added, pack

    async def balance(self, user_key: str) -> int:
        return await self._wallets.balance(user_key)

    async def refund(self, charge_id: str, refund_stars: RefundStars) -> str:
        return await refund_payment(self._wallets, charge_id, refund_stars, self._clock())


async def refund_payment(wallets: Wallets, charge_id: str, refund_stars: RefundStars, now: float) -> str:
    """Stars back to the member first (the platform), then their credits out of the wallet:
    a failed refund changes nothing, and a refund the platform made is recorded even when
    repeated (`refund_stars` returns for a charge refunded before). Refused when there is
    nothing to refund. Returns what was done, for the operator."""
    payment = await wallets.payment(charge_id)
    if payment is None:
        raise Refused(f"No payment {charge_id} is known to this bot.")
    user_key, credits, stars, refunded_at = payment
    if refunded_at is not None:
        raise Refused(f"Payment {charge_id} was already refunded.")
    await refund_stars(user_key.partition(":")[2], charge_id)
    _, taken = await wallets.take_back(charge_id, now) or (user_key, 0)
    return f"Refunded {stars} Stars to {user_key}; {taken} credits taken back (of {credits} bought)."
