"""The core's messenger port, spoken in Telegram.

Each job gets one status message, a reply to the member's command: it says at once what
happens, then shows progress (through the StatusBoard, which keeps to Telegram's edit
rate), and finally that the result is below or why it failed. The result itself is a new
message replying to the command. Everything works from `job.destination` alone.
"""

from __future__ import annotations

import logging

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from adapters.telegram import render
from adapters.telegram.config import TelegramConfig
from adapters.telegram.album import send_results  # one result, or several as one album
from adapters.telegram.destination import Where
from adapters.telegram.flood import FIRST, patiently
from adapters.telegram.reach import reaching
from adapters.telegram.status import StatusBoard
from bot.domain.answers import Ticket
from bot.domain.requests import Destination
from bot.i18n import Text
from bot.domain.job import Job
from bot.ports import Progress, Result
from bot.store.posts import Posts

log = logging.getLogger(__name__)

__all__ = ["TelegramMessenger", "AdapterStopped"]


class AdapterStopped(RuntimeError):
    """Raised instead of posting once the adapter stopped.

    The runner takes it like any failed post: it retries with backoff (a delivery is
    refunded after its last try). `reelbot run` calls core.stop_jobs() before stopping the
    adapter, so after that no new delivery starts and this only guards against a caller
    that stops the adapter while its jobs still run.
    """


class TelegramMessenger:
    def __init__(self, bot: Bot, board: StatusBoard, config: TelegramConfig, *, posts: Posts | None = None):
        self._bot, self._board, self._config = bot, board, config
        self._posts = posts  # which message shows which job: a reply to a result re-runs it
        self._closed = False

    def close(self) -> None:
        """From now on refuse to post (AdapterStopped)."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise AdapterStopped("the Telegram adapter is stopped")

    async def acknowledge(self, job: Job, ticket: Ticket) -> Destination | None:
        self._check_open()
        where = Where.of(job)
        message = await patiently(lambda: self._bot.send_message(
            text=render.ticket(ticket, job.requester.language), parse_mode=ParseMode.HTML,
            reply_markup=render.cancel_button(job), rate_limit_args=FIRST, **where.reply()))
        return {"status_id": message.message_id}

    async def progress(self, job: Job, progress: Progress) -> None:
        where = Where.of(job)
        if where.status_id is not None:
            # the Cancel button stays only while the job waits; the first later edit removes it
            markup = render.cancel_button(job) if progress.stage == "queued" else None
            await self._board.show(where.chat_id, where.status_id, render.progress(job, progress), markup=markup)

    async def cancelled(self, job: Job, language: str | None = None) -> None:
        """The status message's last text after the member cancelled the job (their one notice)."""
        where = Where.of(job)
        if where.status_id is not None:
            await self._board.show(where.chat_id, where.status_id, render.cancelled(job, language), final=True)

    async def deliver(self, job: Job, result: Result) -> None:
        self._check_open()
        where = Where.of(job)
        posted = await reaching(where, lambda there: send_results(
            self._bot, job, result, where=there, upload_limit=self.upload_limit(job),
            read_timeout=self._config.media_read_timeout))
        await self._remember(job, posted)
        if where.status_id is not None:
            # Without wait=True this only queues the edit: once the result is posted, the job
            # must be recorded as delivered at once, or a restart in between would post it twice.
            await self._board.show(where.chat_id, where.status_id, render.done(job, result), final=True)

    async def _remember(self, job: Job, posted: Message) -> None:
        """Record the result message, so that a reply to it re-runs the job. Never raises: the
        result is posted, and raising would make the core post it again."""
        if self._posts is None:
            return
        try:
            await self._posts.remember("telegram", str(posted.chat_id), str(posted.message_id), job.id)
        except Exception:
            log.exception("job %s: could not record its result message; replies to it will not re-run it", job.id)

    async def fail(self, job: Job, reason: Text | str) -> None:
        self._check_open()
        where = Where.of(job)
        text = render.failed(reason, job.requester.language)
        if where.status_id is not None and await self._board.show(
                where.chat_id, where.status_id, text, final=True, wait=True):
            return
        # no status message to edit (or it is gone, or cannot be edited): say it in a new reply
        await reaching(where, lambda there: patiently(lambda: self._bot.send_message(
            text=text, parse_mode=ParseMode.HTML, **there.reply())))

    def upload_limit(self, job: Job) -> int:
        return self._config.upload_limit

    async def alert_admins(self, text: str) -> None:
        """A private message to each of the bot's admins (the operator's alerts)."""
        for admin_id in sorted(self._config.admin_ids):
            try:
                await patiently(lambda admin_id=admin_id: self._bot.send_message(
                    chat_id=admin_id, text=f"⚠️ reelbot: {render.esc(text)}", parse_mode=ParseMode.HTML))
            except TelegramError as exc:  # they never started a chat with the bot
                log.warning("could not alert Telegram admin %s: %s", admin_id, exc)
