"""Several pictures of one job as ONE Discord message with several files.

An answer of several pictures (302.AI's `image_urls`) is one post, so that the delivery's
bookkeeping and the after-crash look in the channel (every file is named after the job) cover
all of them at once. Discord bounds the whole message, not each file: pictures are attached
while their sum fits the limit, and the rest go as links in the same message.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.buttons import result_view
from adapters.discord.render import clip, result_caption
from bot.domain.job import Job
from bot.ports import Result

__all__ = ["send_several", "send_several_again"]

log = logging.getLogger(__name__)

_REFUSED = (403, 413)  # no Attach Files permission there; the files too large after all
_CONTENT_LIMIT = 2000


def _fitting(pictures: tuple[Result, ...], limit: int) -> list[Result]:
    """The pictures to attach: in order, while their sum fits `limit`."""
    attached, total = [], 0
    for picture in pictures:
        if picture.data is not None and total + len(picture.data) <= limit:
            attached.append(picture)
            total += len(picture.data)
    return attached


def _files(attached: list[Result]) -> list[discord.File]:
    return [discord.File(io.BytesIO(p.data), filename=p.filename) for p in attached]


async def send_several(job: Job, result: Result, limit: int, send: Callable[..., Awaitable[Any]],
                       mentions: discord.AllowedMentions) -> None:
    pictures = (result, *result.more)
    attached = _fitting(pictures, limit)
    if attached:
        try:
            await _post(job, pictures, attached, send, mentions)
            return
        except discord.HTTPException as exc:
            if exc.status not in _REFUSED:
                raise
            log.info("job %s: Discord refused %d files (%s); sending links", job.id, len(attached), exc.status)
    await _post(job, pictures, [], send, mentions)


async def _post(job: Job, pictures: tuple[Result, ...], attached: list[Result], send: Callable[..., Awaitable[Any]],
                mentions: discord.AllowedMentions) -> None:
    links = "\n".join(p.url for p in pictures if p not in attached)
    room = _CONTENT_LIMIT - (len(links) + 1 if links else 0)
    content = clip(result_caption(job), room) + (f"\n{links}" if links else "")
    files = _files(attached)
    await send(content=content, files=files, view=result_view(job, attached=bool(files)), allowed_mentions=mentions)


async def send_several_again(interaction: discord.Interaction, result: Result, limit: int) -> None:
    """/jobs' fetch of a job of several pictures: its private answer carries them all (the
    ones past the limit as links)."""
    pictures = (result, *result.more)
    attached = _fitting(pictures, limit)
    links = "\n".join(p.url for p in pictures if p not in attached)
    await interaction.edit_original_response(embed=None, content=links[:_CONTENT_LIMIT] or None,
                                             attachments=_files(attached))
