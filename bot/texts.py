"""Replies shared by every adapter, as Texts the adapter renders in the member's language.
Adapters escape them for their markup and neutralise mentions; nothing here is
platform-specific."""

from __future__ import annotations

from bot.domain.requests import Command
from bot.domain.answers import QuotaStatus, Ticket
from bot.i18n import TN, Joined, T, Text
from bot.jobs.eta import progress_notes
from bot.domain.job import Job
from bot.ports import Progress
from bot.quota import until

__all__ = ["ticket_text", "quota_text", "progress_text", "credits_text", "stage_text", "kind_text",
           "STAGES"]

STAGES = {
    "queued": T("Queued"),
    "submitted": T("Sent to 302.AI"),
    "Queueing": T("Waiting in 302.AI's queue"),
    "Preparing": T("Preparing"),
    "Processing": T("Generating"),
    "downloading": T("Fetching the result"),
    "waiting": T("Ready; waiting for the chat platform to accept it"),
}


def stage_text(stage: str) -> Text | str:
    """A progress stage in words; one we do not know by its own name."""
    return STAGES.get(stage, stage)


def kind_text(kind: str) -> Text:
    """"image" or "video", as a word in the reader's language."""
    return T("image") if kind == "image" else T("video")


def credits_text(n: int) -> Text:
    """`1 credit`, `5 credits`."""
    return TN("{n} credit", "{n} credits", n)


def ticket_text(ticket: Ticket) -> Text:
    params = {"model": ticket.model, "cost": credits_text(ticket.price)}
    image = ticket.command is Command.IMAGE
    if ticket.credits_left is None:
        return (T("Queued your image with {model}: it costs {cost}, you have no daily limit.", **params) if image
                else T("Queued your video with {model}: it costs {cost}, you have no daily limit.", **params))
    left = credits_text(ticket.credits_left)
    return (T("Queued your image with {model}: it costs {cost}, you have {left} left today.", left=left, **params)
            if image else
            T("Queued your video with {model}: it costs {cost}, you have {left} left today.", left=left, **params))


def progress_text(job: Job, progress: Progress) -> Text:
    stage, elapsed = stage_text(progress.stage), int(progress.elapsed)
    notes = progress_notes(progress)  # the place in line and the learned estimate, when known
    if progress.eta is not None:
        head = T("{stage}… {elapsed}s so far.", stage=stage, elapsed=elapsed)
    else:
        head = T("{stage}… {elapsed}s so far (usually about {expected}s).", stage=stage, elapsed=elapsed,
                 expected=int(progress.expected))
    return Joined([head, *notes, T("Model {model}, {cost}.", model=job.model, cost=credits_text(job.price))], sep=" ")


def quota_text(status: QuotaStatus, now: float) -> Joined:
    if status.unlimited:
        return Joined([T("As an admin you have no daily limit (the bot-wide ceiling still applies). "
                         "Used today: {used}; jobs running: {running}.",
                         used=credits_text(status.used_today), running=status.jobs_in_flight)])
    lines: list[Text] = [
        T("You have {left} left today (used {used} of {daily}).",
          left=credits_text(status.credits_left), used=status.used_today, daily=status.daily_credits),
        T("Jobs running: {running} of {allowed} allowed at a time.",
          running=status.jobs_in_flight, allowed=status.max_in_flight),
        T("Credits reset in {reset} (midnight UTC).", reset=until(status.resets_at, now)),
    ]
    if status.chat_credits_left is not None:
        lines.insert(1, T("This chat has {left} left today.", left=credits_text(status.chat_credits_left)))
    if status.purchased:
        lines.insert(1, T("You also have {bought} you bought; they do not expire and are spent once today's "
                          "credits are used up.", bought=credits_text(status.purchased)))
    if status.granted_today:
        lines.insert(1, T("Includes {granted} an admin granted you today.", granted=credits_text(status.granted_today)))
    if status.tier:
        lines.insert(1, T("Your tier: {tier}.", tier=status.tier))
    return Joined(lines)
