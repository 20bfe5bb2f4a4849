"""Status messages kept up to date without tripping Telegram's flood control.

The core reports progress on every poll, far more often than Telegram lets a bot edit one
message. Only the newest text matters, so each message has one slot holding the text it
should show, and one background task that edits it at most once per `interval` (counted
from when the previous edit finished), skips texts already shown, and waits out a
RetryAfter. Edit errors end up in the log, never in the job that reported progress.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from adapters.telegram.flood import MAX_FLOOD_WAIT, retry_after_seconds

__all__ = ["StatusBoard"]

log = logging.getLogger(__name__)

_GIVE_UP_AFTER = 3  # failed edits in a row (network, unknown errors) before a text is left unshown


@dataclass
class _Slot:
    wanted: str
    shown: str | None = None
    not_before: float = 0.0
    final: bool = False
    dead: bool = False  # deleted, or no longer editable: stop trying
    task: asyncio.Task | None = None


class StatusBoard:
    def __init__(self, bot: Bot, *, interval: float, clock: Callable[[], float]):
        self._bot = bot
        self._interval = interval
        self._clock = clock
        self._slots: dict[tuple[int, int], _Slot] = {}
        self._closed = False

    async def show(self, chat_id: int, message_id: int, text: str, *,
                   final: bool = False, wait: bool = False) -> bool:
        """Make the message show `text`. `final`: the last text it will get. `wait`: return
        only once it is shown (or cannot be); the result says whether it is shown."""
        if self._closed:
            return False
        key = (chat_id, message_id)
        slot = self._slots.get(key)
        if slot is not None and slot.dead:
            return False
        if slot is None:
            slot = self._slots[key] = _Slot(text)
        slot.wanted = text
        slot.final = slot.final or final
        if wait and slot.not_before - self._clock() > MAX_FLOOD_WAIT:
            return False
        if slot.task is None or slot.task.done():
            slot.task = asyncio.create_task(self._flush(key, slot), name=f"telegram-status-{chat_id}-{message_id}")
        if wait:
            # shielded: a cancelled caller must not cancel an edit other callers rely on
            await asyncio.shield(slot.task)
        return slot.shown == text

    async def close(self) -> None:
        self._closed = True
        tasks = [s.task for s in self._slots.values() if s.task and not s.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._slots.clear()

    async def _flush(self, key: tuple[int, int], slot: _Slot) -> None:
        failures = 0
        try:
            while not slot.dead and slot.wanted != slot.shown and failures < _GIVE_UP_AFTER:
                delay = slot.not_before - self._clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                    continue
                text = slot.wanted
                try:
                    await self._bot.edit_message_text(text, chat_id=key[0], message_id=key[1],
                                                      parse_mode=ParseMode.HTML)
                    slot.shown, failures = text, 0
                except RetryAfter as err:
                    wait = retry_after_seconds(err)
                    slot.not_before = self._clock() + wait
                    log.info("Telegram asked to wait %.1f s before editing status message %s", wait, key)
                    if wait > MAX_FLOOD_WAIT:
                        break  # a later show() tries again; a waiting caller is not held that long
                    continue
                except BadRequest as err:
                    if "not modified" in err.message.lower():
                        slot.shown = text
                    else:  # deleted, too old, or otherwise out of reach
                        log.warning("Cannot edit status message %s: %s", key, err.message)
                        slot.dead = True
                except (Forbidden, ChatMigrated) as err:  # bot removed; group moved to a new chat id
                    log.warning("Cannot edit status message %s: %s", key, err.message)
                    slot.dead = True
                except TelegramError as err:  # network trouble, or an answer we do not know
                    failures += 1
                    log.warning("Editing status message %s failed (%s); will retry", key, err)
                slot.not_before = self._clock() + self._interval
        finally:
            # A message past its final text gets no more calls: forget it. A dead one that is
            # not final is remembered, so later progress does not retry it on every poll.
            if slot.final and self._slots.get(key) is slot:
                del self._slots[key]
