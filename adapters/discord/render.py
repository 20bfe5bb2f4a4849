"""How reelbot looks on Discord: status embeds, result captions, and mention rules.

Mentions are governed by allowed_mentions, not by editing the member's words: the client's
default lets nothing ping, and the only exception any message makes is its requester.
"""

from __future__ import annotations

import discord

from bot.catalog import Command
from bot.jobs.model import Job
from bot.texts import STAGES

__all__ = [
    "status_embed",
    "done_embed",
    "failed_embed",
    "problem_embed",
    "result_caption",
    "failure_notice",
    "only_requester",
    "NO_PINGS",
    "clip",
]

NO_PINGS = discord.AllowedMentions.none()

_WORKING = discord.Colour.blurple()
_DONE = discord.Colour.green()
_FAILED = discord.Colour.red()


def only_requester(user_id: int) -> discord.AllowedMentions:
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                   users=[discord.Object(user_id)])


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _prompt(job: Job, limit: int = 400) -> str:
    # one line (a caption quotes it) and escaped, so a prompt cannot format or link anything;
    # mentions in it stay as typed and are made inert by allowed_mentions
    text = " ".join(job.prompt.split())
    return discord.utils.escape_markdown(clip(text, limit)) if text else "*(no prompt)*"


def _what(job: Job) -> str:
    return "image" if job.command is Command.IMAGE else "video"


def _credits(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m {seconds % 60:02d}s"


def _bytes(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


def status_embed(job: Job, stage: str, elapsed: float, expected: float | None,
                 credits_left: int | None) -> discord.Embed:
    embed = discord.Embed(title=f"Making your {_what(job)}…", description=_prompt(job), colour=_WORKING)
    embed.add_field(name="Status", value=STAGES.get(stage, stage))
    embed.add_field(name="Model", value=job.model)
    usually = f" (usually ~{_duration(expected)})" if expected else ""
    embed.add_field(name="Elapsed", value=_duration(elapsed) + usually)
    embed.add_field(name="Cost", value=_credits(job.cost))
    if credits_left is not None:
        embed.add_field(name="Credits left today", value=str(credits_left))
    return embed


def done_embed(job: Job) -> discord.Embed:
    embed = discord.Embed(title=f"Your {_what(job)} is ready", description=_prompt(job), colour=_DONE)
    embed.add_field(name="Model", value=job.model)
    embed.add_field(name="Cost", value=_credits(job.cost))
    embed.set_footer(text="The result is posted below.")
    return embed


def failed_embed(job: Job, reason: str) -> discord.Embed:
    embed = discord.Embed(title=f"Your {_what(job)} could not be made", description=clip(reason, 1000),
                          colour=_FAILED)
    embed.add_field(name="Prompt", value=clip(_prompt(job, 300), 1024), inline=False)
    embed.add_field(name="Model", value=job.model)
    return embed


def problem_embed(reason: str, *, title: str = "Nothing was charged") -> discord.Embed:
    """A request refused (by default: before anything was spent); `reason` says what to do."""
    return discord.Embed(title=title, description=clip(reason, 4000), colour=_FAILED)


def result_caption(job: Job, *, link: str | None = None, size: int | None = None, limit: int = 0) -> str:
    """The message carrying a result. Its mention of the requester is the bot's only ping."""
    head = f"<@{job.requester.user_id}> your {_what(job)} is ready · {job.model}"
    if link is None:
        return clip(f"{head}\n> {_prompt(job, 1500)}", 2000)
    size_text = f" ({_bytes(size)})" if size else ""
    note = (f"The file{size_text} is over the {_bytes(limit)} Discord accepts here, so here is a link "
            f"instead (it stays valid for a few hours): {link}")
    return clip(f"{head}\n> {_prompt(job, 800)}", 2000 - len(note) - 1) + "\n" + note


def failure_notice(job: Job, reason: str) -> str:
    """A failure told in the channel, once the interaction can no longer answer privately."""
    return clip(f"<@{job.requester.user_id}> your {_what(job)} ({job.model}) could not be made: {reason}", 2000)
