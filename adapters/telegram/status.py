"""Status messages kept up to date without tripping Telegram's flood control.

The core reports progress on every poll, far more often than Telegram lets a bot edit one
message. Only the newest text matters, so each message has one slot holding the text it
should show, and one background task that edits it at most once per `interval` (counted
from when the previous edit finished), skips texts already shown, and waits out every
RetryAfter in full. Edit errors end up in the log, never in the job that reported progress.

A progress text is left unshown after a few failed edits in a row (the next one will do).
A final text — done, or failed with the reason — is what the member is left with, so it is
retried like a delivery, with growing pauses, until it is shown, the message is gone, or
`final_patience` runs out; a newer text replaces an older one still waiting. A final text that
has to wait (an edit failed, flood control, the interval) is written to the database
(`PendingStatuses`) before the wait and forgotten once settled, so one still waiting when the
process dies is shown by the next start (`resume`). One shown at the first try costs no write:
the result's post and its record, which `show` sits between, stay as close as they can be.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from adapters.telegram.flood import retry_after_seconds
from bot.store.statuses import PendingStatuses

__all__ = ["StatusBoard"]

log = logging.getLogger(__name__)

_GIVE_UP_AFTER = 3  # failed edits in a row (network, unknown errors) before a progress text is left unshown
FINAL_PATIENCE = 6 * 3600.0  # seconds a final text is retried, like a delivery
MAX_PAUSE = 300.0  # longest pause between tries of a final text
CLOSE_GRACE = 5.0  # seconds close() gives final texts that are about to be shown


@dataclass
class _Slot:
    wanted: str
    shown: str | None = None
    # the buttons under the text (a Cancel while the job waits); an edit without them removes them
    wanted_markup: InlineKeyboardMarkup | None = None
    shown_markup: dict | None = None
    not_before: float = 0.0
    final: bool = False
    final_until: float = 0.0
    promised: str | None = None  # the final text the database holds for the next start
    dead: bool = False  # deleted, or no longer editable: stop trying
    task: asyncio.Task | None = None


class StatusBoard:
    def __init__(self, bot: Bot, *, interval: float, clock: Callable[[], float],
                 final_patience: float = FINAL_PATIENCE, pending: PendingStatuses | None = None):
        self._bot = bot
        self._interval = interval
        self._clock = clock
        self._final_patience = final_patience
        self._pending = pending
        self._slots: dict[tuple[int, int], _Slot] = {}
        self._closed = False

    async def show(self, chat_id: int, message_id: int, text: str, *, final: bool = False, wait: bool = False,
                   markup: InlineKeyboardMarkup | None = None, patience: float | None = None) -> bool:
        """Make the message show `text` (with `markup`'s buttons; none without). `final`: the
        last text it will get, tried for `patience` seconds (default: the board's). `wait`:
        return only once it is shown (or cannot be); the result says whether it is shown."""
        if self._closed:
            return False
        key = (chat_id, message_id)
        slot = self._slots.get(key)
        if slot is not None and slot.dead:
            return False
        if slot is None:
            slot = self._slots[key] = _Slot(text)
        if slot.final and not final:
            return slot.shown == slot.wanted  # progress never replaces a last text
        slot.wanted, slot.wanted_markup = text, markup
        if final and not slot.final:
            slot.final = True
            slot.final_until = self._clock() + (self._final_patience if patience is None else patience)
        if slot.task is None or slot.task.done():
            slot.task = asyncio.create_task(self._flush(key, slot), name=f"telegram-status-{chat_id}-{message_id}")
        if wait:
            # shielded: a cancelled caller must not cancel an edit other callers rely on
            await asyncio.shield(slot.task)
        return slot.shown == text

    async def resume(self) -> int:
        """Start showing the final texts that an earlier run promised but did not show; returns
        how many. Another process may be showing some of them too: an edit to the text a
        message already shows changes nothing."""
        if self._pending is None:
            return 0
        waiting = await self._pending.pending("telegram")
        now = self._pending.now()
        for status in waiting:
            key = (int(status.chat_id), int(status.message_id))
            self._slots.setdefault(key, _Slot(status.text)).promised = status.text
            await self.show(*key, status.text, final=True, patience=status.until - now)
        return len(waiting)

    async def close(self, grace: float = CLOSE_GRACE) -> None:
        """Give final texts due within `grace` seconds the chance to be shown, then stop."""
        self._closed = True
        due = [s.task for s in self._slots.values() if s.task and not s.task.done()
               and s.final and s.not_before - self._clock() < grace]
        if due:
            await asyncio.wait(due, timeout=grace)
        tasks = [s.task for s in self._slots.values() if s.task and not s.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._slots.clear()

    async def _flush(self, key: tuple[int, int], slot: _Slot) -> None:
        failures = 0
        try:
            while not slot.dead and not _shows(slot):
                if failures >= _GIVE_UP_AFTER and (not slot.final or self._clock() > slot.final_until):
                    log.warning("Giving up on status message %s after %d failed edits", key, failures)
                    break
                delay = slot.not_before - self._clock()
                if delay > 0:
                    if slot.final and slot.promised != slot.wanted:
                        await self._promise(key, slot)  # a kill while it waits must not lose it
                    await asyncio.sleep(delay)
                    continue
                failures = await self._edit(key, slot, failures)
            if slot.promised is not None:  # shown, or never will be: nothing for the next start
                await self._settled(key, slot.promised)
        finally:
            # A message past its final text gets no more calls: forget it. A dead one that is
            # not final is remembered, so later progress does not retry it on every poll.
            if slot.final and self._slots.get(key) is slot:
                del self._slots[key]

    async def _promise(self, key: tuple[int, int], slot: _Slot) -> None:
        if self._pending is None:
            return
        text, patience = slot.wanted, slot.final_until - self._clock()
        try:
            await self._pending.promise("telegram", str(key[0]), str(key[1]), text, self._pending.now() + patience)
            slot.promised = text
        except Exception as exc:  # the text is still tried; only a crash would lose it
            log.warning("Could not record the final text of status message %s: %s", key, exc)

    async def _settled(self, key: tuple[int, int], text: str) -> None:
        if self._pending is None:
            return
        try:
            await self._pending.settled("telegram", str(key[0]), str(key[1]), text)
        except Exception as exc:  # a next start shows it once more: harmless
            log.warning("Could not forget the final text of status message %s: %s", key, exc)

    async def _edit(self, key: tuple[int, int], slot: _Slot, failures: int) -> int:
        """One edit; returns the failures in a row after it, and sets when the next may go."""
        text, markup = slot.wanted, slot.wanted_markup
        pause = self._interval
        try:
            await self._bot.edit_message_text(text, chat_id=key[0], message_id=key[1], parse_mode=ParseMode.HTML,
                                              reply_markup=markup)
            slot.shown, slot.shown_markup, failures = text, _key(markup), 0
        except RetryAfter as err:
            pause = retry_after_seconds(err)  # in full, however long: Telegram punishes early edits
            log.info("Telegram asked to wait %.1f s before editing status message %s", pause, key)
        except BadRequest as err:
            if "not modified" in err.message.lower():
                slot.shown, slot.shown_markup = text, _key(markup)
            else:  # deleted, too old, or otherwise out of reach
                log.warning("Cannot edit status message %s: %s", key, err.message)
                slot.dead = True
        except (Forbidden, ChatMigrated) as err:  # bot removed; group moved to a new chat id
            log.warning("Cannot edit status message %s: %s", key, err.message)
            slot.dead = True
        except TelegramError as err:  # network trouble, or an answer we do not know
            failures += 1
            # a final text keeps trying, further apart each time, like a delivery
            pause = min(self._interval * 2 ** failures, MAX_PAUSE) if slot.final else self._interval
            log.warning("Editing status message %s failed (%s); will retry", key, err)
        slot.not_before = self._clock() + pause
        return failures


def _key(markup: InlineKeyboardMarkup | None) -> dict | None:
    return markup.to_dict() if markup is not None else None


def _shows(slot: _Slot) -> bool:
    return slot.shown == slot.wanted and slot.shown_markup == _key(slot.wanted_markup)
