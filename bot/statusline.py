"""One throttle for every platform's status messages: latest state wins, at most one edit
per message per interval, final texts never dropped and kept across a crash.

The core reports progress on every poll, far more often than Telegram or Discord let a bot
edit one message. Only the newest text matters, so each message has one slot holding the
text it should show, and one background task that edits it at most once per `interval`
(counted from when the previous edit finished), skips texts already shown, and waits out
every wait the platform asks for in full. Edit errors end up in the log, never in the job
that reported progress.

A progress text is left unshown after a few failed edits in a row (the next one will do).
A final text (done, failed with the reason, cancelled) is what the member is left with, so
it is retried like a delivery, with growing pauses, until it is shown, the message is gone,
or `final_patience` runs out; a newer text replaces an older one still waiting. A final text
that has to wait (an edit failed, flood control, the interval) is written to the database
(`PendingStatuses`, under the platform's name) before the wait and forgotten once settled, so
one still waiting when the process dies is shown by the next start (`resume`). One shown at
the first try costs no write: the result's post and its record, which it sits between, stay
as close as they can be.

The platform's adapter gives the edit itself (`send`), which answers what came of it: SHOWN,
GONE (deleted, out of reach: stop trying), FAILED (try again later), wait(seconds), or
DROPPED (the platform's budget let a progress text go unsent: it counts as done, and a newer
text waiting goes at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.store.statuses import PendingStatuses

__all__ = ["StatusLine", "Outcome", "SHOWN", "GONE", "FAILED", "DROPPED", "wait", "Key", "FINAL_PATIENCE"]

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (chat id, message id), as the platform names them
_GIVE_UP_AFTER = 3  # failed edits in a row (network, unknown errors) before a progress text is left unshown
FINAL_PATIENCE = 6 * 3600.0  # seconds a final text is retried, like a delivery
MAX_PAUSE = 300.0  # longest pause between tries of a final text
CLOSE_GRACE = 5.0  # seconds close() gives final texts that are about to be shown


@dataclass(frozen=True)
class Outcome:
    shown: bool = False
    gone: bool = False
    wait: float | None = None  # the platform asked to wait this long before the next edit
    dropped: bool = False  # not sent, by choice: a progress text the budget had no room for


SHOWN, GONE, FAILED, DROPPED = Outcome(shown=True), Outcome(gone=True), Outcome(), Outcome(dropped=True)


def wait(seconds: float) -> Outcome:
    return Outcome(wait=seconds)


Send = Callable[[Key, str, Any], Awaitable[Outcome]]


@dataclass
class _Slot:
    wanted: str
    shown: str | None = None
    # what goes with the text (buttons); compared through `extra_key`
    wanted_extra: Any = None
    shown_extra: Any = None
    not_before: float = 0.0
    edited_at: float = 0.0
    final: bool = False
    final_until: float = 0.0
    promised: str | None = None  # the final text the database holds for the next start
    dead: bool = False  # deleted, or no longer editable: stop trying
    task: asyncio.Task | None = None
    sending: bool = False  # an edit is with the platform (or on its way): its answer is awaited


class StatusLine:
    def __init__(self, send: Send, *, platform: str, interval: float, clock: Callable[[], float],
                 final_patience: float = FINAL_PATIENCE, pending: PendingStatuses | None = None,
                 extra_key: Callable[[Any], Any] = lambda extra: extra):
        self._send, self._platform = send, platform
        self._interval, self._clock = interval, clock
        self._final_patience = final_patience
        self._pending = pending
        self._extra_key = extra_key
        self._slots: dict[Key, _Slot] = {}
        self._closed = False

    async def show(self, key: Key, text: str, *, extra: Any = None, final: bool = False, wait: bool = False,
                   patience: float | None = None) -> bool:
        """Make the message show `text` (with `extra`). `final`: the last text it will get,
        tried for `patience` seconds (default: the line's). `wait`: return only once it is
        shown (or cannot be); the result says whether it is shown."""
        if self._closed:
            return False
        slot = self._slots.get(key)
        if slot is not None and slot.dead:
            return False
        if slot is None:
            slot = self._slots[key] = _Slot(text)
        if slot.final and not final:
            return slot.shown == slot.wanted  # progress never replaces a last text
        slot.wanted, slot.wanted_extra = text, extra
        if final and not slot.final:
            slot.final = True
            slot.final_until = self._clock() + (self._final_patience if patience is None else patience)
        if slot.task is None or slot.task.done():
            slot.task = asyncio.create_task(self._flush(key, slot), name=f"{self._platform}-status-{key[0]}-{key[1]}")
        if wait:
            # shielded: a cancelled caller must not cancel an edit other callers rely on
            await asyncio.shield(slot.task)
        return slot.shown == text

    def edited(self, key: Key, text: str, extra: Any = None) -> None:
        """The message was just edited to show `text` outside the line (the first answer):
        the next edit waits for the interval."""
        slot = self._slots.setdefault(key, _Slot(text))
        slot.shown = slot.wanted = text
        slot.shown_extra = self._extra_key(extra)
        slot.wanted_extra = extra
        slot.edited_at = self._clock()
        slot.not_before = slot.edited_at + self._interval

    async def retire(self, key: Key) -> None:
        """No more edits of this message from the line, and none under way once this returns
        (the message is about to become something else: the result itself)."""
        slot = self._slots.pop(key, None)
        if slot is None or slot.task is None or slot.task.done():
            return
        slot.dead = True  # nothing after the edit under way, if one is
        if not slot.sending:
            slot.task.cancel()  # only waiting: nothing was sent
        # An edit already sent is carried out by the platform whether or not its answer is
        # read: cut off here, it could land after the message became the result (a progress
        # caption, and no buttons, on the result). So its answer is awaited.
        await asyncio.gather(slot.task, return_exceptions=True)

    def forget(self, key: Key) -> None:
        """No more edits of this message from the line (its job ended and said so itself)."""
        slot = self._slots.pop(key, None)
        if slot is not None and slot.task is not None and not slot.task.done():
            slot.task.cancel()

    async def resume(self) -> int:
        """Start showing the final texts that an earlier run promised but did not show; returns
        how many. Another process may be showing some of them too: an edit to the text a
        message already shows changes nothing."""
        if self._pending is None:
            return 0
        waiting = await self._pending.pending(self._platform)
        now = self._pending.now()
        for status in waiting:
            key = (status.chat_id, status.message_id)
            self._slots.setdefault(key, _Slot(status.text)).promised = status.text
            await self.show(key, status.text, final=True, patience=status.until - now)
        return len(waiting)

    async def close(self, grace: float = CLOSE_GRACE) -> None:
        """Give final texts due within `grace` seconds the chance to be shown, then stop."""
        self._closed = True
        due = [s.task for s in self._slots.values() if s.task and not s.task.done()
               and s.final and s.not_before - self._clock() < grace]
        if due and grace > 0:
            await asyncio.wait(due, timeout=grace)
        tasks = [s.task for s in self._slots.values() if s.task and not s.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._slots.clear()

    def _shows(self, slot: _Slot) -> bool:
        return slot.shown == slot.wanted and slot.shown_extra == self._extra_key(slot.wanted_extra)

    async def _flush(self, key: Key, slot: _Slot) -> None:
        failures = 0
        try:
            while not slot.dead and not self._shows(slot):
                if failures >= _GIVE_UP_AFTER and (not slot.final or self._clock() > slot.final_until):
                    log.warning("Giving up on %s status message %s after %d failed edits", self._platform, key,
                                failures)
                    break
                now = self._clock()
                if now < slot.edited_at:  # the wall clock was set back: that must not silence the message
                    slot.not_before = now
                delay = slot.not_before - now
                if delay > 0:
                    if slot.final and slot.promised != slot.wanted:
                        await self._promise(key, slot)  # a kill while it waits must not lose it
                    # then the edit, without asking the clock again: a clock that stands still
                    # (or was set back) must not hold the message up
                    await asyncio.sleep(delay)
                    if slot.dead or self._shows(slot):
                        continue
                failures = await self._edit(key, slot, failures)
            if slot.promised is not None:  # shown, or never will be: nothing for the next start
                await self._settled(key, slot.promised)
        finally:
            # A message past its final text gets no more calls: forget it. A dead one that is
            # not final is remembered, so later progress does not retry it on every poll.
            if slot.final and self._slots.get(key) is slot:
                del self._slots[key]

    async def _edit(self, key: Key, slot: _Slot, failures: int) -> int:
        """One edit; returns the failures in a row after it, and sets when the next may go."""
        text, extra = slot.wanted, slot.wanted_extra
        pause = self._interval
        slot.sending = True
        try:
            outcome = await self._send(key, text, extra)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an edit's error never reaches the job that reported progress
            log.warning("Editing %s status message %s failed (%s); will retry", self._platform, key, exc)
            outcome = FAILED
        finally:
            slot.sending = False
        if outcome.shown:
            slot.shown, slot.shown_extra, failures = text, self._extra_key(extra), 0
            slot.edited_at = self._clock()
        elif outcome.gone:
            slot.dead = True
        elif outcome.dropped:
            if not slot.final:  # a progress text is not tried again; a newer one goes at once
                slot.shown, slot.shown_extra = text, self._extra_key(extra)
            pause = max(0.0, slot.edited_at + self._interval - self._clock())  # from the last edit made
        elif outcome.wait is not None:
            pause = outcome.wait  # in full, however long: platforms punish early edits
            log.info("%s asked to wait %.1f s before editing status message %s", self._platform, pause, key)
        else:
            failures += 1
            # a final text keeps trying, further apart each time, like a delivery
            pause = min(self._interval * 2 ** failures, MAX_PAUSE) if slot.final else self._interval
        slot.not_before = self._clock() + pause
        return failures

    async def _promise(self, key: Key, slot: _Slot) -> None:
        if self._pending is None:
            return
        text, patience = slot.wanted, slot.final_until - self._clock()
        try:
            await self._pending.promise(self._platform, key[0], key[1], text, self._pending.now() + patience)
            slot.promised = text
        except Exception as exc:  # the text is still tried; only a crash would lose it
            log.warning("Could not record the final text of %s status message %s: %s", self._platform, key, exc)

    async def _settled(self, key: Key, text: str) -> None:
        if self._pending is None:
            return
        try:
            await self._pending.settled(self._platform, key[0], key[1], text)
        except Exception as exc:  # a next start shows it once more: harmless
            log.warning("Could not forget the final text of %s status message %s: %s", self._platform, key, exc)
