"""The one door every Telegram update goes through: stored, claimed, handled, and marked
handled only when its handler returned normally.

Telegram drops an update once the bot confirms it (the next getUpdates offset, or a 200 to
its webhook call), whatever happened to it since. So each update goes into the inbox first
(bot.store.inbox), claimed by this receiver as it is written, and through PTB's handlers
after. Then:

- the handlers returned normally (a job, a reply, a refusal the member was told about), or
  Telegram refused the answer for good (the member blocked the bot, a bad request): handled;
- anything else raised (flood control, a timeout, `database is locked`, a dropped
  PostgreSQL connection, a bug): a failure is counted and the update is tried again after a
  backoff; after MAX_FAILURES it is parked and every admin is told (`parked`), never dropped.

Each handler keys what it changes on the update (`event_key`): jobs on the update and
message, admin actions on the update, payments on Telegram's charge id. So an update handled
again after its answer failed changes nothing the second time. A crash leaves the update
unhandled; the next start handles it again. With several receivers on one store, a row is
handled by whichever claims it (one conditional UPDATE), and its claim is renewed while the
handler runs, so no receiver's sweep handles an update another is still handling.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.store.inbox import Inbox, InboxEntry

__all__ = ["Intake", "PLATFORM", "MAX_FAILURES", "event_key"]

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_FAILURES = 8  # tries of one update before it is parked: about 4 minutes of backoff in all
# Seconds start() waits for the updates a crash left behind. Handled before the job runner
# resumes, a command whose job was stored but never acknowledged gets its "Queued" reply into
# the job the runner then carries on; a longer wait would only delay new updates and jobs.
REPLAY_WAIT = 30.0
SWEEP_INTERVAL = 60.0  # seconds between looks for free rows (and renewals of claims, and purges)
CLAIM_SECONDS = 180.0  # a claim outlives three sweeps: renewed at each while its handler runs

Parked = Callable[[Update | None, InboxEntry, BaseException], Awaitable[None]]


def event_key(update: Update) -> str:
    """The key every change an update makes is stored under: handled twice, it acts once."""
    return f"{PLATFORM}:update:{update.update_id}"


def backoff(failures: int) -> float:
    """Seconds before the next try of an update that failed `failures` times: 2, 4, 8 … 300."""
    return min(300.0, 2.0 ** failures)


class Intake:
    def __init__(self, app: Application, inbox: Inbox, *, owner: str | None = None, take_over: bool = True,
                 parked: Parked | None = None, concurrency: int = 64, clock: Callable[[], float] = time.time,
                 sweep_interval: float = SWEEP_INTERVAL, claim_seconds: float = CLAIM_SECONDS):
        self._app, self._inbox, self._clock = app, inbox, clock
        # unique while it lives; a restart under a stable REELBOT_WORKER_ID takes its claims back
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        # The one receiver of a store takes every claim over at its start (whoever held them
        # died); with others on the store it waits for their claims to lapse.
        self._take_over = take_over
        self._parked = parked
        self._sweep_interval = sweep_interval
        self._claim_seconds = max(claim_seconds, 3 * sweep_interval)
        self.backoff: Callable[[int], float] = backoff
        # Commands download pictures and talk to the core: one slow member must not hold up the rest.
        self._slots = asyncio.Semaphore(concurrency)
        self._active: set[int] = set()  # update ids being handled in this process now
        self._errors: dict[int, BaseException] = {}  # set by PTB's error handler, read after the handlers ran
        self._tasks: set[asyncio.Task] = set()
        self._retries: dict[int, asyncio.TimerHandle] = {}  # update id -> its next try here
        self._sweeper: asyncio.Task | None = None
        app.add_error_handler(self._note_error)

    async def start(self) -> None:
        """Handle what the last run left unhandled, then keep retrying failures and purging."""
        replaying = await self._replay(take_over=self._take_over)
        if replaying:
            log.info("Telegram: handling %d update(s) stored before the last stop", len(replaying))
            await asyncio.wait(replaying, timeout=REPLAY_WAIT)
        self._sweeper = asyncio.create_task(self._sweep(), name="telegram-inbox-sweep")

    async def stop(self) -> None:
        """Stop sweeping and let the updates under way finish (unfinished ones stay in the inbox)."""
        for handle in self._retries.values():
            handle.cancel()  # their rows wait in the inbox for the next sweep or start
        self._retries.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def accept(self, updates: Iterable[Mapping[str, Any]], parsed: Iterable[Update] = ()) -> None:
        """Store `updates` (Bot API JSON objects), claimed by this receiver; returns once they
        are on disk, so the caller may confirm them to Telegram. Handling goes on in the background.
        `parsed`: the same updates as PTB objects, if the caller has them (not built twice)."""
        entries = [InboxEntry(int(u["update_id"]), json.dumps(u, separators=(",", ":"))) for u in updates]
        if not entries:
            return
        now = self._clock()
        new = await self._inbox.store(PLATFORM, entries, now, claim=(self.owner, now + self._claim_seconds))
        built = {update.update_id: update for update in parsed}
        for entry in entries:
            if entry.update_id in new:  # a redelivered one was stored, and is handled, already
                self._spawn(entry, claimed=True, update=built.get(entry.update_id))

    async def _replay(self, *, take_over: bool = False) -> list[asyncio.Task]:
        entries = await self._inbox.unhandled(PLATFORM, None if take_over else self._clock(), mine=self.owner)
        return [task for entry in entries if (task := self._spawn(entry, take_over=take_over))]

    def _spawn(self, entry: InboxEntry, *, claimed: bool = False, take_over: bool = False,
               not_before: float = 0.0, update: Update | None = None) -> asyncio.Task | None:
        if entry.update_id in self._active:
            return None
        self._active.add(entry.update_id)
        task = asyncio.create_task(self._handle(entry, claimed, take_over, not_before, update),
                                   name=f"telegram-update-{entry.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _handle(self, entry: InboxEntry, claimed: bool, take_over: bool, not_before: float,
                      built: Update | None = None) -> None:
        update_id, update = entry.update_id, None
        try:
            if not claimed:
                # A row read by a sweep may have been claimed (or finished) since, here or elsewhere.
                now = max(self._clock(), not_before)
                got = await self._inbox.claim(PLATFORM, update_id, self.owner, now, now + self._claim_seconds,
                                              take_over=take_over)
                if got is None:
                    return
                entry = got
            async with self._slots:
                update = built or Update.de_json(json.loads(entry.payload), self._app.bot)
                await self._app.process_update(update)  # errors go to the error handlers, not here
            error = self._errors.pop(update_id, None)
            if error is not None and not _refused(error):
                await self._failed(entry, update, error)
                return
            if error is not None:
                log.warning("Telegram refused the answer to update %s (%s); that will not change", update_id, error)
            await self._inbox.handled(PLATFORM, update_id, self._clock())
        except Exception as exc:  # the update could not be read, or the inbox not written
            log.exception("Telegram update %s could not be handled", update_id)
            try:
                await self._failed(entry, update, exc)
            except Exception:  # the database, most likely: the row stays claimed until the claim lapses
                log.exception("Telegram update %s: its failure could not be counted either", update_id)
        finally:
            self._active.discard(update_id)
            self._errors.pop(update_id, None)

    async def _failed(self, entry: InboxEntry, update: Update | None, error: BaseException) -> None:
        update_id = entry.update_id
        now = self._clock()
        delay = self.backoff(entry.failures + 1)
        failures = await self._inbox.failed(PLATFORM, update_id, now + delay)
        if failures < MAX_FAILURES:
            log.warning("Telegram update %s failed (%s); trying again in %.0f s", update_id, _what(error), delay)
            retry = InboxEntry(update_id, entry.payload, failures)
            self._retries[update_id] = asyncio.get_running_loop().call_later(delay, self._retry, retry, now + delay)
            return
        await self._inbox.park(PLATFORM, update_id, now)
        log.error("Telegram update %s failed %d times (%s); parked: the admins are told. Payload: %s",
                  update_id, failures, _what(error), entry.payload)
        if self._parked is not None:
            await self._parked(update, entry, error)

    def _retry(self, entry: InboxEntry, at: float) -> None:
        self._retries.pop(entry.update_id, None)
        self._spawn(entry, not_before=at)

    async def _note_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            self._errors[update.update_id] = context.error

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_interval)
            try:
                if self._active:
                    await self._inbox.renew(PLATFORM, self.owner, list(self._active),
                                            self._clock() + self._claim_seconds)
                purged = await self._inbox.purge(self._clock())
                if purged:
                    log.debug("Telegram inbox: purged %d handled update(s)", purged)
                await self._replay()
            except Exception:
                log.exception("Telegram inbox sweep failed; trying again in %.0f s", self._sweep_interval)


def _refused(error: BaseException) -> bool:
    """Telegram refused the answer for good (a chat that blocked the bot, a bad request): a
    later try would be refused the same way, so the update counts as handled. Flood control,
    a network failure or any error of ours is worth another try."""
    if isinstance(error, RetryAfter):
        return False
    return isinstance(error, BadRequest) or (isinstance(error, TelegramError) and not isinstance(error, NetworkError))


def _what(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
