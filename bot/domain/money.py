"""The two units of money, kept apart.

- **Credits** are what a member pays (a model's *price*): whole numbers, per member, chat
  and day, set by the operator (REELBOT_PRICES, even to 0).
- **mPTC**, thousandths of a PTC, are what 302.AI charges the operator (a model's *cost*):
  0.5 PTC is 500. Whole numbers, so that sums of spend are exact.

Jobs stored before costs were kept apart have the cost their price meant then: one credit
was counted as 0.1 PTC (MPTC_PER_CREDIT).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["MPTC_PER_PTC", "MPTC_PER_CREDIT", "parse_ptc", "ptc_text"]

MPTC_PER_PTC = 1000
MPTC_PER_CREDIT = 100  # the old rule, for jobs and settings from before costs: 1 credit = 0.1 PTC


def parse_ptc(text: str) -> int:
    """`"0.5"` -> 500 mPTC, exactly; ValueError for anything negative, not a number, or
    finer than a thousandth of a PTC."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number of PTC") from None
    mptc = value * MPTC_PER_PTC
    if not value.is_finite() or value < 0 or mptc != mptc.to_integral_value():
        raise ValueError(f"{text!r} is not a number of PTC of at most three decimals, 0 or more")
    return int(mptc)


def ptc_text(mptc: int) -> str:
    """500 -> "0.5", 1000 -> "1", 1234 -> "1.234": exact, with no trailing zeros."""
    sign = "-" if mptc < 0 else ""
    whole, part = divmod(abs(mptc), MPTC_PER_PTC)
    return f"{sign}{whole}" + (f".{part:03d}".rstrip("0") if part else "")
