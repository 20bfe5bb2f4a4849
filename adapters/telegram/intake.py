"""Every update stored before Telegram may forget it, then handled until it is answered.

Telegram drops an update once the bot confirms it (the next getUpdates offset, or a 200 to
its webhook call), whatever happened to it since. So each update goes into the inbox first
(bot.store.inbox) and through PTB's handlers after; it is marked handled only once they ran
without a transient Telegram error, i.e. once the command became a job or a reply. A crash
in between leaves it unhandled, and the next start (`replay`) handles it again: jobs are
keyed on the update, so a command handled twice still makes one job. A handler that failed
on a network error or flood control is tried again by the sweep, a few times.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes

from bot.store.inbox import Inbox, InboxEntry

__all__ = ["Intake", "PLATFORM"]

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_FAILURES = 5  # tries of one update that ended in a transient error, before it is given up
# Seconds start() waits for the updates a crash left behind. Handled before the job runner
# resumes, a command whose job was stored but never acknowledged gets its "Queued" reply into
# the job the runner then carries on; a longer wait would only delay new updates and jobs.
REPLAY_WAIT = 30.0
SWEEP_INTERVAL = 60.0  # seconds between retries of failed updates (and purges of old rows)


class Intake:
    def __init__(self, app: Application, inbox: Inbox, *, concurrency: int = 64,
                 clock: Callable[[], float] = time.time, sweep_interval: float = SWEEP_INTERVAL):
        self._app, self._inbox, self._clock = app, inbox, clock
        self._sweep_interval = sweep_interval
        # Commands download pictures and talk to the core: one slow member must not hold up the rest.
        self._slots = asyncio.Semaphore(concurrency)
        self._active: set[int] = set()  # update ids being handled now, so none runs twice at once
        self._errors: dict[int, BaseException] = {}  # set by PTB's error handler, read after the handlers ran
        self._tasks: set[asyncio.Task] = set()
        self._sweeper: asyncio.Task | None = None
        app.add_error_handler(self._note_error)

    async def start(self) -> None:
        """Handle what the last run left unhandled, then keep retrying failures and purging."""
        replaying = await self._replay()
        if replaying:
            await asyncio.wait(replaying, timeout=REPLAY_WAIT)
        self._sweeper = asyncio.create_task(self._sweep(), name="telegram-inbox-sweep")

    async def stop(self) -> None:
        """Stop sweeping and let the updates under way finish (unfinished ones stay in the inbox)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def accept(self, updates: Iterable[Mapping[str, Any]]) -> None:
        """Store `updates` (Bot API JSON objects); returns once they are on disk, so the caller
        may confirm them to Telegram. Handling goes on in the background."""
        entries = [InboxEntry(int(u["update_id"]), json.dumps(u, separators=(",", ":"))) for u in updates]
        if not entries:
            return
        new = await self._inbox.store(PLATFORM, entries, self._clock())
        for entry in entries:
            if entry.update_id in new:  # a redelivered one was stored, and is handled, already
                self._spawn(entry, recheck=False)

    async def _replay(self) -> list[asyncio.Task]:
        entries = await self._inbox.unhandled(PLATFORM)
        if entries:
            log.info("Telegram: handling %d update(s) stored before the last stop", len(entries))
        return [task for entry in entries if (task := self._spawn(entry, recheck=True))]

    def _spawn(self, entry: InboxEntry, *, recheck: bool) -> asyncio.Task | None:
        if entry.update_id in self._active:
            return None
        self._active.add(entry.update_id)
        task = asyncio.create_task(self._handle(entry, recheck), name=f"telegram-update-{entry.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _handle(self, entry: InboxEntry, recheck: bool) -> None:
        update_id = entry.update_id
        try:
            # A replayed row may have been finished since it was read (by the task that had it).
            if recheck and await self._inbox.is_handled(PLATFORM, update_id):
                return
            async with self._slots:
                update = Update.de_json(json.loads(entry.payload), self._app.bot)
                await self._app.process_update(update)  # errors go to the error handlers, not here
            error = self._errors.pop(update_id, None)
            if error is not None and _transient(error):
                failures = await self._inbox.failed(PLATFORM, update_id)
                if failures < MAX_FAILURES:
                    log.info("Telegram update %s failed (%s); will try again", update_id, error)
                    return
                log.error("Telegram update %s failed %d times; giving up on it", update_id, failures)
            await self._inbox.handled(PLATFORM, update_id, self._clock())
        except Exception:  # the database, most likely: the row stays unhandled for the sweep
            log.exception("Telegram update %s could not be handled", update_id)
        finally:
            self._active.discard(update_id)
            self._errors.pop(update_id, None)

    async def _note_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            self._errors[update.update_id] = context.error

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_interval)
            try:
                purged = await self._inbox.purge(self._clock())
                if purged:
                    log.debug("Telegram inbox: purged %d handled update(s)", purged)
                await self._replay()
            except Exception:
                log.exception("Telegram inbox sweep failed; trying again in %.0f s", self._sweep_interval)


def _transient(error: BaseException) -> bool:
    """Worth handling the update again: the reply did not get through, but a later try may.
    (A refusal by Telegram, such as a chat that blocked the bot, will not change.)"""
    return isinstance(error, (NetworkError, RetryAfter))
