"""A photo album with an /animate caption: its two pictures are the first and the last frame.

Telegram sends an album as one update per picture, sharing `media_group_id`, with the caption
on one of them. Every update is in the inbox before Telegram is told it arrived (the door,
adapters.telegram.intake), so the update that carries the command gathers the album from
there: it waits until no new picture of the album has come for QUIET seconds (never longer
than MAX_WAIT after the message was sent), then reads the album's updates in message order.
Nothing is held in memory, so an album handled again after a restart reads the same rows,
and with several receivers on one store each sees every picture, whoever received it.

One album is one job or one refusal, never two:
- the job is keyed on the album (chat and media_group_id), not on the update, so however
  often and from whichever of its updates the album is handled, the core makes one job;
- only the album's first update that carries that command answers (the others stay
  silent), so a refusal is said once.

Two pictures: the first frame and the last, in album order. One picture (the others never
reached the bot, as in a group where it sees only commands): an ordinary /animate of it.
Three or more, or anything but pictures: refused in one sentence, because which two frames
were meant is not the bot's to guess.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, Document, Message, PhotoSize

from adapters.telegram.media import image_in
from bot.errors import UserError
from bot.i18n import T
from bot.store.inbox import Inbox

__all__ = ["Album", "Albums", "first_and_last", "QUIET", "MAX_WAIT"]

QUIET = 1.5  # seconds without a new picture of the album before it counts as complete
MAX_WAIT = 10.0  # seconds after the message was sent, at most: an album arrives within a second or two
SPAN = 500  # update ids either side of the command's searched for its album's other updates
_PLATFORM = "telegram"


@dataclass(frozen=True)
class Album:
    key: str  # the job's request key: the album's, whichever update is handled
    messages: tuple[Message, ...]  # in album (message) order
    answers: bool  # this update carries the album's first command: it alone answers


class Albums:
    def __init__(self, inbox: Inbox, parse_command: Callable[[str, str], object | None], *,
                 clock: Callable[[], float] = time.time, quiet: float | None = None, max_wait: float | None = None):
        """`parse_command(text, bot username)`: not None when `text` is a command for this bot."""
        self._inbox, self._parse, self._clock = inbox, parse_command, clock
        self.quiet = QUIET if quiet is None else quiet
        self.max_wait = MAX_WAIT if max_wait is None else max_wait

    async def gather(self, update_id: int, message: Message) -> Album:
        group, bot = str(message.media_group_id), message.get_bot()
        messages = await self._read(update_id, message, bot)
        settled_at = self._clock()
        # Handled long after it was sent (a restart, a retry): every picture is stored by now.
        until = message.date.timestamp() + self.max_wait
        while (now := self._clock()) < until and now - settled_at < self.quiet:
            await asyncio.sleep(min(self.quiet / 4, until - now))
            again = await self._read(update_id, message, bot)
            if len(again) != len(messages):
                messages, settled_at = again, self._clock()
        # the album's first picture captioned with the same command answers: a /help on another
        # picture of it is answered as /help, and must not keep this /animate silent
        mine = self._name(message.caption, bot.username)
        first = next((m for m in messages if self._name(m.caption, bot.username) == mine), message)
        return Album(f"telegram:album:{message.chat_id}:{group}", tuple(messages),
                     first.message_id == message.message_id)

    def _name(self, caption: str | None, username: str) -> object | None:
        parsed = self._parse(caption or "", username)
        return parsed[0] if isinstance(parsed, tuple) else parsed

    async def _read(self, update_id: int, message: Message, bot: Bot) -> list[Message]:
        group = str(message.media_group_id)
        found = {message.message_id: message}
        marker = '"media_group_id":' + json.dumps(group)
        for entry in await self._inbox.near(_PLATFORM, update_id, SPAN, marker):
            raw = json.loads(entry.payload).get("message") or {}
            if raw.get("media_group_id") == group and (raw.get("chat") or {}).get("id") == message.chat_id:
                found.setdefault(raw["message_id"], Message.de_json(raw, bot))
        return [found[mid] for mid in sorted(found)]


async def first_and_last(albums: Albums, update_id: int, message: Message
                         ) -> tuple[str, PhotoSize | Document, PhotoSize | Document | None] | None:
    """(the job's key, the first frame, the last frame or None) for the /animate album that
    `message` belongs to; None when another of its updates answers; UserError for an album
    that is not one or two pictures."""
    album = await albums.gather(update_id, message)
    if not album.answers:
        return None
    pictures = [image_in(m, strict=False) for m in album.messages]
    if len(pictures) > 2 or None in pictures:
        raise UserError(T("For a first and a last frame, send an album of exactly two pictures with /animate as "
                          "its caption; this one has {count} items.", count=len(pictures)))
    return album.key, pictures[0], pictures[1] if len(pictures) == 2 else None
