"""Purchased credits (Telegram Stars): bought once, kept until spent, spent after the day's
free credits (bot.quota.Limits.check). A payment is applied once however often its update
arrives (keyed on Telegram's charge id), and a refunded payment takes back what is left."""

from __future__ import annotations

from collections import Counter

from bot.store import ledger
from bot.store.database import Database

__all__ = ["Wallets", "PURCHASE", "PURCHASE_REFUND"]

PURCHASE, PURCHASE_REFUND = "purchase", "purchase_refund"


class Wallets:
    def __init__(self, db: Database):
        self._db = db

    async def purchase(self, user_key: str, charge_id: str, credits: int, stars: int, now: float) -> bool:
        """Add `credits` to the member's wallet; False when this payment was applied before."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO payments (charge_id, user_key, credits, stars, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (charge_id) DO NOTHING", (charge_id, user_key, credits, stars, now))
            if cursor.rowcount != 1:
                return False
            await ledger.apply(conn, ledger.Money([(None, user_key, None, PURCHASE, credits, now)],
                                                  wallets=Counter({user_key: credits})))
        return True

    async def payment(self, charge_id: str) -> tuple[str, int, int, float | None] | None:
        """(user_key, credits, stars, refunded_at) of a payment, or None."""
        row = await self._db.fetchone("SELECT user_key, credits, stars, refunded_at FROM payments "
                                      "WHERE charge_id = ?", (charge_id,))
        return (row[0], row[1], row[2], row[3]) if row else None

    async def take_back(self, charge_id: str, now: float) -> tuple[str, int] | None:
        """A refunded payment: its credits leave the wallet (as many as are left), once.
        Returns (user_key, credits taken back), or None when there is nothing to refund."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT p.user_key, p.credits, COALESCE(w.balance, 0) FROM payments p LEFT JOIN wallets w "
                "ON w.user_key = p.user_key WHERE p.charge_id = ? AND p.refunded_at IS NULL", (charge_id,))
            if not rows:
                return None
            user_key, credits, balance = rows[0]
            taken = min(credits, max(0, balance))
            await conn.execute("UPDATE payments SET refunded_at = ?, taken_back = ? WHERE charge_id = ?",
                               (now, taken, charge_id))
            if taken:
                await ledger.apply(conn, ledger.Money([(None, user_key, None, PURCHASE_REFUND, taken, now)],
                                                      wallets=Counter({user_key: -taken})))
        return user_key, taken

    async def balance(self, user_key: str) -> int:
        row = await self._db.fetchone("SELECT balance FROM wallets WHERE user_key = ?", (user_key,))
        return row[0] if row else 0
