"""How reelbot looks on Discord: status embeds, result captions, and mention rules.

Mentions are governed by allowed_mentions, not by editing the member's words: the client's
default lets nothing ping, and the only exception any message makes is its requester.
"""

from __future__ import annotations

import re

import discord

from bot.catalog import Command
from bot.history import job_line, jobs_heading
from bot.i18n import T, render
from bot.jobs.cancel import cancelled_text
from bot.jobs.eta import eta_text, position_text
from bot.jobs.model import Job
from bot.texts import STAGES, credits_text

__all__ = [
    "status_embed",
    "cancelled_embed",
    "jobs_embed",
    "done_embed",
    "failed_embed",
    "problem_embed",
    "result_caption",
    "link_caption",
    "too_big",
    "NO_ATTACHING",
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
    # one line (a caption quotes it) and escaped, so a prompt cannot format anything;
    # mentions in it stay as typed and are made inert by allowed_mentions
    text = " ".join(job.prompt.split())
    return discord.utils.escape_markdown(clip(text, limit)) if text else "*(no prompt)*"


# Discord previews every bare http(s) link in a message's content, but not one written <like this>
_BARE_URL = re.compile(r"(?<!<)https?://[^\s<>]+")


def _quoted(job: Job, limit: int) -> str:
    """The prompt as a caption quotes it: links in it get no preview, which would make a
    public result show (and fetch) whatever site the member typed."""
    return _BARE_URL.sub(lambda m: f"<{m.group()}>", _prompt(job, limit))


def _what(job: Job) -> str:
    return "image" if job.command is Command.IMAGE else "video"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m {seconds % 60:02d}s"


def _bytes(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


def status_embed(job: Job, stage: str, elapsed: float, expected: float | None,
                 credits_left: int | None, *, eta: tuple[float, float] | None = None,
                 position: int | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"Making your {_what(job)}…", description=_prompt(job), colour=_WORKING)
    embed.add_field(name="Status", value=STAGES.get(stage, stage))
    if position is not None:
        embed.add_field(name=str(T("In line")), value=str(position_text(position)))
    embed.add_field(name="Model", value=job.model)
    usually = f" (usually ~{_duration(expected)})" if expected and eta is None else ""
    embed.add_field(name="Elapsed", value=_duration(elapsed) + usually)
    if eta is not None:
        embed.add_field(name=str(T("Estimate")), value=str(eta_text(eta)))
    embed.add_field(name="Cost", value=credits_text(job.cost))
    if credits_left is not None:
        embed.add_field(name="Credits left today", value=str(credits_left))
    return embed


def cancelled_embed(job: Job, language: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=render(T("Cancelled"), language), description=render(cancelled_text(job), language),
                          colour=_FAILED)
    embed.add_field(name="Prompt", value=clip(_prompt(job, 300), 1024), inline=False)
    return embed


def jobs_embed(jobs: list[Job], now: float, fetchable: int, language: str | None = None) -> discord.Embed:
    """/jobs: one line per job; `fetchable` results have a button below."""
    lines = [render(job_line(n, job, now), language) for n, job in enumerate(jobs, start=1)]
    embed = discord.Embed(title=render(jobs_heading(len(jobs)), language), description="\n".join(lines) or None,
                          colour=discord.Colour.blurple())
    if fetchable:
        embed.set_footer(text=render(T("Press a number to get that result again (free, while 302.AI still "
                                       "serves it)."), language))
    return embed


def done_embed(job: Job) -> discord.Embed:
    embed = discord.Embed(title=f"Your {_what(job)} is ready", description=_prompt(job), colour=_DONE)
    embed.add_field(name="Model", value=job.model)
    embed.add_field(name="Cost", value=credits_text(job.cost))
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


NO_ATTACHING = "I may not attach files in this channel"  # a reason for link_caption


def _head(job: Job) -> str:
    return f"<@{job.requester.user_id}> your {_what(job)} is ready · {job.model}"


def result_caption(job: Job) -> str:
    """The message carrying a result file. Its mention of the requester is the bot's only ping."""
    return clip(f"{_head(job)}\n> {_quoted(job, 1500)}", 2000)


def link_caption(job: Job, link: str, why: str) -> str:
    """A result posted as a link, saying `why`; unlike the prompt's links, this one is previewed."""
    note = f"{why}, so here is a link instead (it stays valid for a few hours): {link}"
    return clip(f"{_head(job)}\n> {_quoted(job, 800)}", 2000 - len(note) - 1) + "\n" + note


def too_big(size: int | None, limit: int) -> str:
    size_text = f" ({_bytes(size)})" if size else ""
    return f"The file{size_text} is over the {_bytes(limit)} Discord accepts here"


def failure_notice(job: Job, reason: str) -> str:
    """A failure told in the channel, once the interaction can no longer answer privately."""
    return clip(f"<@{job.requester.user_id}> your {_what(job)} ({job.model}) could not be made: {reason}", 2000)
