"""Everything the bot writes in Telegram, as HTML.

Every message goes out with parse_mode HTML, and every piece of text that came from a
member or from the core passes through `esc` first, so a prompt such as `<b>x</b> *y*
[a](b)` is shown exactly as typed and can never break or forge the markup around it.
Texts are rendered in the reader's language first (a job's: its member's, kept with it).
"""

from __future__ import annotations

import html
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from adapters.telegram.config import MB
from bot.domain.answers import QuotaStatus, Ticket
from bot.help import help_topic
from bot.history import fetchable, job_line, jobs_heading
from bot.i18n import Joined, T, Text, render
from bot.jobs.cancel import cancelled_text
from bot.domain.job import Job
from bot.ports import Progress, Result
from bot.texts import kind_text, progress_text, quota_text, ticket_text

__all__ = [
    "esc", "clip_utf16", "ticket", "progress", "done", "failed", "refusal", "caption", "buttons",
    "link_note", "quota", "help_message", "AGAIN", "ANIMATE", "CAPTION_LIMIT", "TEXT_LIMIT",
    "CANCEL", "FETCH", "cancel_button", "cancelled", "jobs_list", "fetch_buttons",
]

# Telegram counts these limits in UTF-16 code units, after the markup is parsed.
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
AGAIN, ANIMATE = "again", "animate"  # callback data is "<action>:<job id>", at most 64 bytes
CANCEL, FETCH = "cancel", "fetch"  # under a waiting job's status message; under /jobs


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def clip_utf16(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 code units (Telegram's measure), with an ellipsis when it was cut."""
    if _utf16_units(text) <= limit:
        return text
    out, used = [], 1  # room for the ellipsis
    for char in text:
        used += _utf16_units(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip() + "…"


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _in(job: Job) -> str | None:
    return job.requester.language


def ticket(t: Ticket, language: str | None) -> str:
    return f"⏳ {esc(render(ticket_text(t), language))}"


def progress(job: Job, p: Progress) -> str:
    return f"⏳ {esc(render(progress_text(job, p), _in(job)))}"


def done(job: Job, result: Result) -> str:
    text = (T("Done: your image is below ({model}).", model=job.model) if result.kind == "image"
            else T("Done: your video is below ({model}).", model=job.model))
    return f"✅ {esc(render(text, _in(job)))}"


def failed(reason: Text | str, language: str | None) -> str:
    return f"❌ {esc(clip_utf16(render(reason, language), TEXT_LIMIT - 10))}"


def refusal(text: Text | str, language: str | None) -> str:
    """A UserError's text, which the core words for the member."""
    return f"⚠️ {esc(clip_utf16(render(text, language), TEXT_LIMIT - 10))}"


def caption(job: Job) -> str:
    model = f"\n<i>{esc(job.model)}</i>"
    room = CAPTION_LIMIT - _utf16_units(job.model) - 4
    return f"{esc(clip_utf16(job.prompt, room))}{model}" if job.prompt else model.lstrip()


def buttons(job: Job, *, animate: bool) -> InlineKeyboardMarkup:
    """"Again" under every result; "Animate" under a posted image (it animates that photo)."""
    row = [InlineKeyboardButton(render(T("🔁 Again"), _in(job)), callback_data=f"{AGAIN}:{job.id}")]
    if animate:
        row.append(InlineKeyboardButton(render(T("🎬 Animate"), _in(job)), callback_data=f"{ANIMATE}:{job.id}"))
    return InlineKeyboardMarkup([row])


def link_note(job: Job, result: Result, limit: int) -> str:
    language = _in(job)
    what = render(kind_text(result.kind), language)
    # the link is markup of our own, so the text around it is escaped piece by piece
    link = f'<a href="{esc(result.url)}">{esc(render(T("download the {kind}", kind=what), language))}</a>'
    note = render(T("The {kind} is too big to upload here (the limit is {limit} MB), so here is a link: "
                    "{link}. It expires in a few hours.", kind=what, limit=limit // MB, link="\0"), language)
    before, _, after = note.partition("\0")
    return f"{caption(job)}\n\n{esc(before)}{link}{esc(after)}"


def quota(status: QuotaStatus, language: str | None) -> str:
    return esc(render(quota_text(status, time.time()), language))


# Telegram's own ways of asking, under the command each is about (/help video, /help jobs…)
_TELEGRAM_NOTES = {
    "animate": [T("• /animate works as the caption of a photo, as a reply to a message with a photo, or as the "
                  "caption of an image sent as a file.")],
    "video": [T("• /video as the caption of a photo (or as a reply to one) makes a video of that character "
                "(S2V-01).")],
    "image": [T("• /image as the caption of a photo (or as a reply to one) redraws that picture "
                "(image-to-image models).")],
    "jobs": [T("• ✖ Cancel under a waiting job's status message gives all its credits back; "
               "/jobs has 📥 buttons to get a result again.")],
}
_RESULTS = [
    T("• Under each result: 🔁 Again makes it once more (charged again); 🎬 Animate turns an image into "
      "a video."),
    T("• Reply to a result with new text to make it again with that prompt: same model, options and "
      "picture, charged as a new job."),
]


def help_message(core_help: Joined, username: str, language: str | None, topic: str | None = None) -> str:
    """The core's help (the short list, or `topic`'s details) and what is particular to Telegram."""
    topic = help_topic(topic)
    notes = list(_TELEGRAM_NOTES.get(topic or "", []))
    if topic in ("video", "animate", "image"):
        notes += _RESULTS
    if topic in (None, "video", "animate", "image"):
        notes.append(T("• In groups, address me as /video@{username} … when several bots are around.",
                       username=username))
    telegram = Joined(["", T("In Telegram:"), *notes]) if notes else Joined([])
    return esc(render(Joined([core_help, telegram]), language))


def cancel_button(job: Job) -> InlineKeyboardMarkup:
    """Under the status message while the job waits for 302.AI: cancelling it then is free."""
    label = render(T("✖ Cancel"), job.requester.language)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"{CANCEL}:{job.id}")]])


def cancelled(job: Job, language: str | None = None) -> str:
    return f"✖ {esc(render(cancelled_text(job), language))}"


def jobs_list(jobs: list[Job], now: float, language: str | None = None) -> str:
    lines = [jobs_heading(len(jobs)), *(job_line(n, job, now) for n, job in enumerate(jobs, start=1))]
    if any(fetchable(job, now) for job in jobs):
        lines.append(T("Press a number to get that result again (free, while 302.AI still serves it)."))
    return esc("\n".join(render(line, language) for line in lines))


def fetch_buttons(jobs: list[Job], now: float) -> InlineKeyboardMarkup | None:
    """One button per result that can still be fetched, numbered as in the list, five a row."""
    buttons = [InlineKeyboardButton(f"📥 {n}", callback_data=f"{FETCH}:{job.id}")
               for n, job in enumerate(jobs, start=1) if fetchable(job, now)]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i:i + 5] for i in range(0, len(buttons), 5)])
