"""Plain-text replies shared by every adapter. Adapters escape them for their markup and
neutralise mentions; nothing here is platform-specific."""

from __future__ import annotations

from bot.catalog import CAMERA_MOVES, Catalog, Command, ImageRole
from bot.commands import QuotaStatus, Ticket
from bot.i18n import T
from bot.jobs.eta import progress_notes
from bot.jobs.model import Job
from bot.ports import Progress
from bot.quota import until

__all__ = ["ticket_text", "quota_text", "progress_text", "help_text", "credits_text", "STAGES"]

STAGES = {
    "queued": "Queued",
    "submitted": "Sent to 302.AI",
    "Queueing": "Waiting in 302.AI's queue",
    "Preparing": "Preparing",
    "Processing": "Generating",
    "downloading": "Fetching the result",
    "waiting": "Ready; waiting for the chat platform to accept it",
}


def credits_text(n: int) -> str:
    """`1 credit`, `5 credits`."""
    return f"{n} credit" if n == 1 else f"{n} credits"


def ticket_text(ticket: Ticket) -> str:
    what = "image" if ticket.command is Command.IMAGE else "video"
    return (f"Queued your {what} with {ticket.model}: it costs {credits_text(ticket.cost)}, "
            + (f"you have {credits_text(ticket.credits_left)} left today." if ticket.credits_left is not None
               else "you have no daily limit."))


def progress_text(job: Job, progress: Progress) -> str:
    stage = STAGES.get(progress.stage, progress.stage)
    notes = progress_notes(progress)  # the place in line and the learned estimate, when known
    usually = "" if progress.eta is not None else f" (usually about {int(progress.expected)}s)"
    return " ".join([f"{stage}… {int(progress.elapsed)}s so far{usually}.", *map(str, notes),
                     f"Model {job.model}, {credits_text(job.cost)}."])


def quota_text(status: QuotaStatus, now: float) -> str:
    if status.unlimited:
        return (f"As an admin you have no daily limit (the bot-wide ceiling still applies). "
                f"Used today: {credits_text(status.used_today)}; jobs running: {status.jobs_in_flight}.")
    lines = [
        f"You have {credits_text(status.credits_left)} left today "
        f"(used {status.used_today} of {status.daily_credits}).",
        f"Jobs running: {status.jobs_in_flight} of {status.max_in_flight} allowed at a time.",
        f"Credits reset in {until(status.resets_at, now)} (midnight UTC).",
    ]
    if status.chat_credits_left is not None:
        lines.insert(1, f"This chat has {credits_text(status.chat_credits_left)} left today.")
    if status.purchased:
        lines.insert(1, f"You also have {credits_text(status.purchased)} you bought; they do not expire "
                        "and are spent once today's credits are used up.")
    if status.granted_today:
        lines.insert(1, f"Includes {credits_text(status.granted_today)} an admin granted you today.")
    if status.tier:
        lines.insert(1, f"Your tier: {status.tier}.")
    return "\n".join(lines)


def help_text(catalog: Catalog, style: str = "text") -> str:
    """`style` "text" documents the `--option=value` syntax; "slash" the slash-command options."""
    video = ", ".join(m.name for m in catalog.for_command(Command.VIDEO))
    animate = ", ".join(m.name for m in catalog.for_command(Command.ANIMATE))
    image_default = catalog.default(Command.IMAGE)
    redraw_default = catalog.default(Command.IMAGE, image=True).name
    redraw = ", ".join(m.name for m in catalog.for_command(Command.IMAGE) if m.image_role is ImageRole.SOURCE)
    price = {c: min(m.price for m in catalog.for_command(c)) for c in Command}
    if style == "slash":
        return "\n".join([
            "reelbot makes AI videos and images with 302.AI.",
            f"/video prompt [model] [duration] [resolution] [camera] [character] — text to video "
            f"(from {credits_text(price[Command.VIDEO])}). Models: {video}. A character image uses S2V-01.",
            f"/animate image [prompt] [model] [duration] [resolution] [camera] — bring a picture to life (from {credits_text(price[Command.ANIMATE])}). "
            f"Models: {animate}.",
            f"/image prompt [model] [aspect_ratio] — text to image ({credits_text(price[Command.IMAGE])}; "
            f"default {image_default.name}).",
            str(T("/image with an image attached redraws that picture (default {model}; models: {models}); "
                  "negative_prompt says what it should not show. Under each result: Re-roll makes it again, "
                  "Edit changes the prompt (each charged as a new job).", model=redraw_default, models=redraw)),
            "Right-click a message with an image → Apps → Animate image.",
            "/quota — your credits left today. /help — this message.",
            str(T("/jobs — your last 10 jobs; fetch a delivered result again while 302.AI still serves it.")),
            str(T("While a job waits its turn, its status message has a Cancel button: all credits back.")),
            f"Camera moves (Director models and Hailuo-02, up to 3): {', '.join(CAMERA_MOVES)}.",
            "Images for /animate: JPG, PNG or WebP, up to 20 MB, shorter side over 300 px, between 2:5 and 5:2.",
        ])
    return "\n".join([
        "reelbot makes AI videos and images with 302.AI.",
        f"/video a cat surfing — text to video (from {credits_text(price[Command.VIDEO])}). "
        "Send it as the caption of a photo to make a video of that character (S2V-01).",
        f"/animate make it move — as the caption of a photo, or as a reply to one: image to video "
        f"(from {credits_text(price[Command.ANIMATE])}).",
        f"/image a red fox in the snow — text to image ({credits_text(price[Command.IMAGE])}).",
        str(T("/image as the caption of a photo, or as a reply to one, redraws that picture (default {model}; "
              "models: {models}); --negative_prompt=\"…\" says what it should not show.",
              model=redraw_default, models=redraw)),
        "/quota — your credits left today. /help — this message.",
        str(T("/jobs — your last 10 jobs; fetch a delivered result again while 302.AI still serves it.")),
        str(T("While a job waits its turn, its status message has a Cancel button: all credits back.")),
        "",
        "Options go anywhere in the command as --name=value (quote values with spaces):",
        f"  --model=NAME  video: {video}; animate: {animate}; image: {image_default.name} and more "
        "(an unknown name lists them all)",
        "  --duration=6|10 and --resolution=512P|768P|1080P  (MiniMax-Hailuo-02)",
        f'  --camera="Pan left,Zoom in"  up to 3 moves (Director models, Hailuo-02): {", ".join(CAMERA_MOVES)}',
        "  --ar=16:9  aspect ratio for /image",
        'Example: /video --model=hailuo --duration=10 --camera="Tracking shot" a fox running through snow',
        "Images for /animate: JPG, PNG or WebP, up to 20 MB, shorter side over 300 px, between 2:5 and 5:2.",
    ])
