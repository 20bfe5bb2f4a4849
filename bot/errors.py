"""Every error the core raises, as one tree.

    ReelbotError
    ├── UserError            the member did something we refuse; shown as-is, nothing spent
    │   ├── ValidationError  bad prompt, option or image
    │   └── QuotaExceeded    out of credits, too many jobs in flight, banned
    ├── DestinationGone      raised by messengers: that chat can never be reached again
    ├── AlreadyAccepted      a request whose key names a job already recorded (a redelivery)
    ├── LeaseLost            another worker took this job over (our lease ran out): stop running it
    └── Ai302Error           raised only by bot.ai302; never carries the API key
        ├── RetryLater       the call did not happen or changed nothing: worth another try
        │                    (a free GET that failed in any way; a paid POST refused with 429,
        │                    1002 or 503, or that never reached 302.AI)
        ├── OutcomeUnknown   a paid POST whose fate is unknown (read timeout, 500/502/504,
        │                    garbled reply, 1000/1001/1013): it may have been accepted and
        │                    billed, so it is never sent again
        └── Rejected         the service said no; retrying will not help
            ├── AuthFailed       401, 1004, 2049  (the operator's key)
            ├── BalanceTooLow    1008             (the operator's account)
            ├── ContentFlagged   1026, 1027
            └── BadParameters    400, 403, 404, 413, 422, 2013, anything unknown

The job runner decides retry versus refund from the type alone, never from a message.
"""

from __future__ import annotations

from bot.i18n import T, Text

__all__ = [
    "ReelbotError",
    "UserError",
    "ValidationError",
    "QuotaExceeded",
    "Ai302Error",
    "RetryLater",
    "OutcomeUnknown",
    "Rejected",
    "AuthFailed",
    "BalanceTooLow",
    "ContentFlagged",
    "BadParameters",
    "DownloadFailed",
    "DestinationGone",
    "AlreadyAccepted",
    "LeaseLost",
]


class ReelbotError(Exception):
    """Root of every error the core raises."""


class UserError(ReelbotError):
    """A refusal worded for the chat member: `err.text` is the reply (a Text the adapter
    renders in the member's language, `err.render(language)`); `str(err)` is it in English."""

    def __init__(self, text: Text | str):
        super().__init__(str(text))
        self.text = text

    def render(self, language: str | None) -> str:
        return self.text.render(language) if isinstance(self.text, Text) else self.text


class ValidationError(UserError):
    """The prompt, an option or the image is not acceptable; the message says what to change."""


class QuotaExceeded(UserError):
    """The request does not fit the member's, the chat's or the bot's limits."""


class Ai302Error(ReelbotError):
    """An error talking to 302.AI. `detail` is for the operator's log, `user_message` (a Text) for chat."""

    user_message: Text = T("The video service had a problem.")

    def __init__(self, detail: str, *, status: int | None = None, code: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code


class RetryLater(Ai302Error):
    user_message = T("The video service was busy for too long. Please try again later.")

    def __init__(self, detail: str, *, retry_after: float | None = None, **kw):
        super().__init__(detail, **kw)
        self.retry_after = retry_after


class OutcomeUnknown(Ai302Error):
    """A paid call that 302.AI may have accepted (and billed) without our knowing: re-sending
    it could pay twice, so the job ends, the member is refunded and the operator told."""

    user_message = T("302.AI did not confirm whether it took this request, so it was not sent again. "
                     "Your credits are back; please try again.")


class Rejected(Ai302Error):
    user_message = T("The video service refused this request.")


class AuthFailed(Rejected):
    # The member cannot fix this; the operator must (and is told in the log).
    user_message = T("The bot is not set up correctly (its 302.AI key was refused). "
                     "The operator has been told.")


class BalanceTooLow(Rejected):
    user_message = T("The bot's 302.AI balance has run out. The operator has been told.")


class ContentFlagged(Rejected):
    user_message = T("302.AI flagged this as sensitive content. Please rephrase your prompt or use another image.")


class BadParameters(Rejected):
    user_message = T("302.AI rejected the request's parameters.")


class DownloadFailed(ReelbotError):
    """The finished result could not be fetched."""


class DestinationGone(ReelbotError):
    """The job's chat can never receive messages again (the bot was removed or blocked, the
    channel deleted). Messengers raise it instead of a transient error, so the runner stops
    retrying: an undeliverable result is refunded at once, an undeliverable notice dropped."""


class AlreadyAccepted(ReelbotError):
    """The request's idempotency key names a job that is already recorded: the same platform
    event was handled before (a redelivery, or a replay after a crash). Nothing new is made."""

    def __init__(self, job_id: str):
        super().__init__(f"job {job_id} already exists")
        self.job_id = job_id


class LeaseLost(ReelbotError):
    """This worker no longer owns the job: its lease ran out (a stall, a lost database) and
    another worker took the job over. Nothing was changed; the job's task must end."""

    def __init__(self, job_id: str, owner: str | None):
        super().__init__(f"job {job_id} is now run by {owner or 'nobody'}")
        self.job_id, self.owner = job_id, owner
