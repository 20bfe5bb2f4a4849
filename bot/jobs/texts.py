"""What a member reads when a job ends without a result (plain language, credits explained)."""

__all__ = ["TOO_SLOW", "TOO_BUSY", "GEN_FAILED", "NOT_POSTED", "UNEXPECTED"]

TOO_SLOW = "302.AI did not finish it in time. Your credits are back; please try again later."
TOO_BUSY = "302.AI was too busy to take it. Your credits are back; please try again later."
GEN_FAILED = "302.AI could not make this one. Your credits are back; try another prompt or image."
NOT_POSTED = "The result was ready but could not be posted here. Your credits are back."
UNEXPECTED = "Something went wrong on our side. Your credits are back; please try again."
