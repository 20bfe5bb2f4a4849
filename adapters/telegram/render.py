"""Everything the bot writes in Telegram, as HTML.

Every message goes out with parse_mode HTML, and every piece of text that came from a
member or from the core passes through `esc` first, so a prompt such as `<b>x</b> *y*
[a](b)` is shown exactly as typed and can never break or forge the markup around it.
"""

from __future__ import annotations

import html
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from adapters.telegram.config import MB
from bot.commands import QuotaStatus, Ticket
from bot.i18n import T
from bot.jobs.model import Job
from bot.ports import Progress, Result
from bot.texts import progress_text, quota_text, ticket_text

__all__ = [
    "esc", "clip_utf16", "ticket", "progress", "done", "failed", "refusal", "caption", "buttons",
    "link_note", "quota", "help_message", "AGAIN", "ANIMATE", "CAPTION_LIMIT", "TEXT_LIMIT",
]

# Telegram counts these limits in UTF-16 code units, after the markup is parsed.
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
AGAIN, ANIMATE = "again", "animate"  # callback data is "<action>:<job id>", at most 64 bytes


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


def ticket(t: Ticket) -> str:
    return f"⏳ {esc(ticket_text(t))}"


def progress(job: Job, p: Progress) -> str:
    return f"⏳ {esc(progress_text(job, p))}"


def done(job: Job, result: Result) -> str:
    what = "image" if result.kind == "image" else "video"
    return f"✅ Done: your {what} is below ({esc(job.model)})."


def failed(reason: str) -> str:
    return f"❌ {esc(clip_utf16(reason, TEXT_LIMIT - 10))}"


def refusal(text: str) -> str:
    """A UserError's text, which the core words for the member."""
    return f"⚠️ {esc(clip_utf16(text, TEXT_LIMIT - 10))}"


def caption(job: Job) -> str:
    model = f"\n<i>{esc(job.model)}</i>"
    room = CAPTION_LIMIT - _utf16_units(job.model) - 4
    return f"{esc(clip_utf16(job.prompt, room))}{model}" if job.prompt else model.lstrip()


def buttons(job: Job, *, animate: bool) -> InlineKeyboardMarkup:
    """"Again" under every result; "Animate" under a posted image (it animates that photo)."""
    row = [InlineKeyboardButton("🔁 Again", callback_data=f"{AGAIN}:{job.id}")]
    if animate:
        row.append(InlineKeyboardButton("🎬 Animate", callback_data=f"{ANIMATE}:{job.id}"))
    return InlineKeyboardMarkup([row])


def link_note(job: Job, result: Result, limit: int) -> str:
    what = "image" if result.kind == "image" else "video"
    return (f"{caption(job)}\n\nThe {what} is too big to upload here (the limit is {limit // MB} MB), "
            f'so here is a link: <a href="{esc(result.url)}">download the {what}</a>. '
            "It expires in a few hours.")


def quota(status: QuotaStatus) -> str:
    return esc(quota_text(status, time.time()))


_TELEGRAM_HELP = """
In Telegram:
• /animate works as the caption of a photo, as a reply to a message with a photo, or as the caption of an image sent as a file.
• /video as the caption of a photo (or as a reply to one) makes a video of that character (S2V-01).
• In groups, address me as /video@{username} … when several bots are around.
• Under each result: 🔁 Again makes it once more (charged again); 🎬 Animate turns an image into a video."""


_REPLY_HELP = T("• /image as the caption of a photo (or as a reply to one) redraws that picture "
                "(image-to-image models).\n"
                "• Reply to a result with new text to make it again with that prompt: same model, options and "
                "picture, charged as a new job.")


def help_message(core_help: str, username: str) -> str:
    return esc(core_help + "\n" + _TELEGRAM_HELP.format(username=username) + "\n" + str(_REPLY_HELP))
