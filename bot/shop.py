"""Packs of purchased credits, paid in Telegram Stars (an operator's choice: off unless
TELEGRAM_STARS_PER_CREDIT is set). The core checks every invoice's payload and price itself
and applies each payment once; the platform side (invoices, refunds) is the adapter's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.access import Refused
from bot.i18n import T
from bot.store.wallet import Wallets

__all__ = ["Shop", "Pack", "CURRENCY"]

CURRENCY = "XTR"  # Telegram Stars


@dataclass(frozen=True)
class Pack:
    credits: int
    stars: int

    @property
    def payload(self) -> str:
        return f"credits:{self.credits}"


class Shop:
    def __init__(self, wallets: Wallets, packs: tuple[int, ...], stars_per_credit: int | None,
                 clock: Callable[[], float] = time.time):
        self._wallets, self._clock = wallets, clock
        self._packs = {n: Pack(n, n * stars_per_credit) for n in packs} if stars_per_credit else {}

    @property
    def open(self) -> bool:
        return bool(self._packs)

    def packs(self) -> list[Pack]:
        return list(self._packs.values())

    def pack(self, credits: int) -> Pack | None:
        return self._packs.get(credits)

    def check(self, payload: str, total: int, currency: str) -> Pack:
        """The pack an invoice is for, if it still is on sale at that price; else Refused."""
        kind, _, amount = payload.partition(":")
        pack = self._packs.get(int(amount)) if kind == "credits" and amount.isdigit() else None
        if pack is None or currency != CURRENCY or total != pack.stars:
            raise Refused(T("That offer has changed; send /buy again for the current packs."))
        return pack

    async def paid(self, user_key: str, charge_id: str, payload: str, total: int, currency: str) -> tuple[bool, Pack]:
        """Apply a successful payment once: (newly applied?, the pack)."""
        kind, _, amount = payload.partition(":")
        if kind != "credits" or not amount.isdigit():
            raise Refused(T("That payment is not for credits."))
        # What was paid counts, even if the price changed since the invoice was checked.
        pack = Pack(int(amount), total)
        added = await self._wallets.purchase(user_key, charge_id, pack.credits, total, self._clock())
        return added, pack

    async def balance(self, user_key: str) -> int:
        return await self._wallets.balance(user_key)
