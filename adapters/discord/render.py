"""How reelbot looks on Discord: status embeds, result captions, and mention rules.

Mentions are governed by allowed_mentions, not by editing the member's words: the client's
default lets nothing ping, and the only exception any message makes is its requester.
Everything about a job is written in its member's language (kept with the job); a public
result too, since it answers that member.
"""

from __future__ import annotations

import re

import discord

from bot.domain.requests import Command
from bot.history import job_line, jobs_heading
from bot.jobs.cancel import cancelled_text
from bot.jobs.eta import eta_text, position_text
from bot.domain.job import Job
from bot.i18n import T, Text, render
from bot.texts import credits_text, stage_text

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


def _in(job: Job) -> str | None:
    return job.requester.language


def _prompt(job: Job, limit: int = 400) -> str:
    # one line (a caption quotes it) and escaped, so a prompt cannot format anything;
    # mentions in it stay as typed and are made inert by allowed_mentions
    text = " ".join(job.prompt.split())
    return (discord.utils.escape_markdown(clip(text, limit)) if text
            else "*" + render(T("(no prompt)"), _in(job)) + "*")


# Discord previews every bare http(s) link in a message's content, but not one written <like this>
_BARE_URL = re.compile(r"(?<!<)https?://[^\s<>]+")


def _quoted(job: Job, limit: int) -> str:
    """The prompt as a caption quotes it: links in it get no preview, which would make a
    public result show (and fetch) whatever site the member typed."""
    return _BARE_URL.sub(lambda m: f"<{m.group()}>", _prompt(job, limit))


def _image(job: Job) -> bool:
    return job.command is Command.IMAGE


def _duration(seconds: float) -> Text:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return T("{seconds}s", seconds=seconds)
    return T("{minutes}m {seconds}s", minutes=seconds // 60, seconds=f"{seconds % 60:02d}")


def _bytes(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


def status_embed(job: Job, stage: str, elapsed: float, expected: float | None,
                 credits_left: int | None, *, eta: tuple[float, float] | None = None,
                 position: int | None = None) -> discord.Embed:
    lang = _in(job)
    title = T("Making your image…") if _image(job) else T("Making your video…")
    embed = discord.Embed(title=render(title, lang), description=_prompt(job), colour=_WORKING)
    embed.add_field(name=render(T("Status"), lang), value=render(stage_text(stage), lang))
    if position is not None:
        embed.add_field(name=render(T("In line"), lang), value=render(position_text(position), lang))
    embed.add_field(name=render(T("Model"), lang), value=job.model)
    elapsed_text = (T("{elapsed} (usually ~{expected})", elapsed=_duration(elapsed), expected=_duration(expected))
                    if expected and eta is None else _duration(elapsed))
    embed.add_field(name=render(T("Elapsed"), lang), value=render(elapsed_text, lang))
    if eta is not None:
        embed.add_field(name=render(T("Estimate"), lang), value=render(eta_text(eta), lang))
    embed.add_field(name=render(T("Cost"), lang), value=render(credits_text(job.price), lang))
    if credits_left is not None:
        embed.add_field(name=render(T("Credits left today"), lang), value=str(credits_left))
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
    lang = _in(job)
    title = T("Your image is ready") if _image(job) else T("Your video is ready")
    embed = discord.Embed(title=render(title, lang), description=_prompt(job), colour=_DONE)
    embed.add_field(name=render(T("Model"), lang), value=job.model)
    embed.add_field(name=render(T("Cost"), lang), value=render(credits_text(job.price), lang))
    embed.set_footer(text=render(T("The result is posted below."), lang))
    return embed


def failed_embed(job: Job, reason: Text | str) -> discord.Embed:
    lang = _in(job)
    title = T("Your image could not be made") if _image(job) else T("Your video could not be made")
    embed = discord.Embed(title=render(title, lang), description=clip(render(reason, lang), 1000), colour=_FAILED)
    embed.add_field(name=render(T("Prompt"), lang), value=clip(_prompt(job, 300), 1024), inline=False)
    embed.add_field(name=render(T("Model"), lang), value=job.model)
    return embed


NOTHING_CHARGED = T("Nothing was charged")


def problem_embed(reason: Text | str, language: str | None, *, title: Text = NOTHING_CHARGED) -> discord.Embed:
    """A request refused (by default: before anything was spent); `reason` says what to do."""
    return discord.Embed(title=render(title, language), description=clip(render(reason, language), 4000),
                         colour=_FAILED)


NO_ATTACHING = T("I may not attach files in this channel")  # a reason for link_caption


def _head(job: Job) -> str:
    ready = (T("{mention} your image is ready · {model}", mention=f"<@{job.requester.user_id}>", model=job.model)
             if _image(job) else
             T("{mention} your video is ready · {model}", mention=f"<@{job.requester.user_id}>", model=job.model))
    return render(ready, _in(job))


def result_caption(job: Job) -> str:
    """The message carrying a result file. Its mention of the requester is the bot's only ping."""
    return clip(f"{_head(job)}\n> {_quoted(job, 1500)}", 2000)


def link_caption(job: Job, link: str, why: Text) -> str:
    """A result posted as a link, saying `why`; unlike the prompt's links, this one is previewed."""
    note = render(T("{why}, so here is a link instead (it stays valid for a few hours): {link}", why=why, link=link),
                  _in(job))
    return clip(f"{_head(job)}\n> {_quoted(job, 800)}", 2000 - len(note) - 1) + "\n" + note


def too_big(size: int | None, limit: int) -> Text:
    if size:
        return T("The file ({size}) is over the {limit} Discord accepts here", size=_bytes(size), limit=_bytes(limit))
    return T("The file is over the {limit} Discord accepts here", limit=_bytes(limit))


def failure_notice(job: Job, reason: Text | str) -> str:
    """A failure told in the channel, once the interaction can no longer answer privately."""
    mention = f"<@{job.requester.user_id}>"
    text = (T("{mention} your image ({model}) could not be made: {reason}", mention=mention, model=job.model,
              reason=reason) if _image(job) else
            T("{mention} your video ({model}) could not be made: {reason}", mention=mention, model=job.model,
              reason=reason))
    return clip(render(text, _in(job)), 2000)
