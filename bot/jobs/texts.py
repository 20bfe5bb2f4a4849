"""What a member reads when a job ends without a result (plain language, credits explained).
Stored with the failed job (as message id and parameters) and rendered in its member's language."""

from bot.i18n import T, Text

__all__ = ["TOO_SLOW", "TOO_BUSY", "GEN_FAILED", "NOT_POSTED", "RESULT_GONE", "UNEXPECTED", "credits_back"]

TOO_SLOW = T("302.AI did not finish it in time. Your credits are back; please try again later.")
TOO_BUSY = T("302.AI was too busy to take it. Your credits are back; please try again later.")
GEN_FAILED = T("302.AI could not make this one. Your credits are back; try another prompt or image.")
NOT_POSTED = T("The result was ready but could not be posted here. Your credits are back.")
# a video 302.AI no longer serves (its files last hours): said on delivery and by /jobs
RESULT_GONE = T("That result has expired: 302.AI no longer serves it. Send the command again to make a new one.")
UNEXPECTED = T("Something went wrong on our side. Your credits are back; please try again.")


def credits_back(reason: Text) -> Text:
    """A 302.AI refusal's own words, and that the credits are back."""
    return T("{reason} Your credits are back.", reason=reason)
