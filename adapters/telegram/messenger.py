"""The core's messenger port, spoken in Telegram.

Each job gets one status message, a reply to the member's command: it says at once what
happens, then shows progress (through the StatusBoard, which keeps to Telegram's edit
rate) when the stage changes — queued, sent, generating, fetching — not on every poll, and
finally that the result is below or why it failed. The result itself is a new message
replying to the command, or (TELEGRAM_RESULT_IN_PLACE, see in_place.py) the status message
itself, a placeholder photo replaced by the result. In a group whose budget is nearly spent
(see budget.py) a command is answered by a 👀 reaction on it instead of a new message; its
result comes as a reply. Everything works from `job.destination` alone.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot, ReactionTypeEmoji
from telegram.constants import ParseMode
from telegram.error import TelegramError

from adapters.telegram import render
from adapters.telegram.config import TelegramConfig
from adapters.telegram.album import send_results  # one result, or several as one album
from adapters.telegram.destination import Where
from adapters.telegram.flood import AS_FINAL, FIRST, FloodGate, patiently
from adapters.telegram.in_place import Placeholder, edit_into_result
from adapters.telegram.reach import reaching
from adapters.telegram.status import StatusBoard
from bot.chats.rules import ADULT
from bot.domain.answers import Ticket
from bot.domain.requests import Command, Destination
from bot.i18n import Text
from bot.domain.job import Job, JobState
from bot.ports import Progress, Result
from bot.store.posts import Posts

log = logging.getLogger(__name__)

__all__ = ["TelegramMessenger", "AdapterStopped", "stage_of"]

TAKEN = "👀"  # the reaction that tells a member in a busy group their command was taken
# what a member sees change: the stages 302.AI reports while it works are one "sent" to them
_STAGES = {"queued": "queued", "submitted": "sent", "Queueing": "sent", "Preparing": "sent",
           "Processing": "generating", "downloading": "finishing", "waiting": "waiting"}


NEAR_THE_FRONT = 3  # places in line that are shown as they change (further back, only the first)


def stage_of(progress: Progress) -> tuple[str, int | None]:
    """The stage a status message shows; it is edited only when this changes."""
    near = progress.position if progress.position is not None and progress.position <= NEAR_THE_FRONT else None
    return _STAGES.get(progress.stage, progress.stage), near


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
        self._placeholder = Placeholder()
        self._stages: dict[tuple[int, int], tuple[str, int | None]] = {}  # status message -> the stage it shows

    def close(self) -> None:
        """From now on refuse to post (AdapterStopped)."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise AdapterStopped("the Telegram adapter is stopped")

    async def acknowledge(self, job: Job, ticket: Ticket) -> Destination | None:
        self._check_open()
        where = Where.of(job)
        gate = getattr(self._bot, "rate_limiter", None)
        if where.reply_to is None or not isinstance(gate, FloodGate):
            return await self._answer(job, ticket, where)
        with gate.budget.promise(where.chat_id) as room:
            if room:
                return await self._answer(job, ticket, where)
        if await self._react(where):
            return {"reacted": True}  # no status message: the result comes as a reply
        return await self._answer(job, ticket, where)

    async def _answer(self, job: Job, ticket: Ticket, where: Where) -> Destination:
        """The status message that answers a command."""
        text = render.ticket(ticket, job.requester.language)
        if self._config.result_in_place:
            sent = await patiently(lambda: self._placeholder.send(
                self._bot, where, text, markup=render.cancel_button(job), rate_limit_args=FIRST))
            return {"status_id": sent["message_id"], "in_place": True}
        message = await patiently(lambda: self._bot.send_message(
            text=text, parse_mode=ParseMode.HTML,
            reply_markup=render.cancel_button(job), rate_limit_args=FIRST, **where.reply()))
        return {"status_id": message.message_id}

    async def _react(self, where: Where) -> bool:
        """👀 on the member's command; False where the chat takes no reactions (answer by message)."""
        # tried once: a reaction refused (reactions turned off in the chat, the command deleted)
        # or failed is made up for by a message at once, not after a retry's backoff
        try:
            await self._bot.set_message_reaction(where.chat_id, where.reply_to, ReactionTypeEmoji(TAKEN),
                                                 rate_limit_args=FIRST)
            return True
        except TelegramError as err:
            log.info("Cannot react to command %s/%s (%s); answering with a message",
                     where.chat_id, where.reply_to, err.message)
            return False

    async def progress(self, job: Job, progress: Progress) -> None:
        where = Where.of(job)
        if where.status_id is None:
            return
        # an edit per stage a member can tell apart, not per poll: each one is a message of
        # the chat's budget, and "12 s so far" becoming "17 s so far" tells them nothing new
        stage, key = stage_of(progress), (where.chat_id, where.status_id)
        if self._stages.get(key) == stage or (stage[0] == "sent" and job.command is Command.IMAGE):
            return  # an image is made within seconds of being sent: "sent" would be an edit for nothing
        self._stages[key] = stage
        # the Cancel button stays only while the job waits; the first later edit removes it
        markup = render.cancel_button(job) if progress.stage == "queued" else None
        await self._board.show(where.chat_id, where.status_id, render.progress(job, progress), markup=markup,
                               caption=where.in_place)

    async def cancelled(self, job: Job, language: str | None = None) -> None:
        """The status message's last text after the member cancelled the job (their one notice)."""
        where = Where.of(job)
        if where.status_id is not None:
            self._stages.pop((where.chat_id, where.status_id), None)
            await self._board.show(where.chat_id, where.status_id, render.cancelled(job, language), final=True,
                                   caption=where.in_place)

    async def deliver(self, job: Job, result: Result) -> None:
        self._check_open()
        where = Where.of(job)
        if where.status_id is not None:
            self._stages.pop((where.chat_id, where.status_id), None)
        if where.in_place and where.status_id is not None and not result.more:  # an album cannot edit in
            await self._board.retire(where.chat_id, where.status_id)  # no progress edit may land on the result
            placed = await edit_into_result(
                self._bot, result, where, caption=render.caption(job),
                markup=render.buttons(job, animate=result.kind == "image"), spoiler=bool(job.destination.get(ADULT)),
                read_timeout=self._config.media_read_timeout)
            if placed.message_id is not None:
                await self._remember(job, where.chat_id, placed.message_id)
                return
            if placed.status_gone:
                where = replace(where, status_id=None)
        posted = await reaching(where, lambda there: send_results(
            self._bot, job, result, where=there, upload_limit=self.upload_limit(job),
            read_timeout=self._config.media_read_timeout))
        await self._remember(job, posted.chat_id, posted.message_id)
        if where.status_id is not None:
            # Without wait=True this only queues the edit: once the result is posted, the job
            # must be recorded as delivered at once, or a restart in between would post it twice.
            await self._board.show(where.chat_id, where.status_id, render.done(job, result), final=True,
                                   caption=where.in_place)

    def posts_again_in_place(self, job: Job) -> bool:
        """A result (one picture or a video: an album cannot be edited in) that replaces its
        placeholder is put there again by an edit of the same message. Only where the edit
        cannot be used (the file too large for it, the placeholder deleted) does it go as a
        new message, and a post of that under way at a crash may then be seen twice."""
        where = Where.of(job)
        return (job.state is JobState.READY and where.in_place and where.status_id is not None
                and len(job.result_urls) <= 1)

    async def _remember(self, job: Job, chat_id: int, message_id: int) -> None:
        """Record the result message, so that a reply to it re-runs the job. Never raises: the
        result is posted, and raising would make the core post it again."""
        if self._posts is None:
            return
        try:
            await self._posts.remember("telegram", str(chat_id), str(message_id), job.id)
        except Exception:
            log.exception("job %s: could not record its result message; replies to it will not re-run it", job.id)

    async def fail(self, job: Job, reason: Text | str) -> None:
        self._check_open()
        where = Where.of(job)
        text = render.failed(reason, job.requester.language)
        if where.status_id is not None:
            self._stages.pop((where.chat_id, where.status_id), None)
            if await self._board.show(where.chat_id, where.status_id, text, final=True, wait=True,
                                      caption=where.in_place):
                return
        # no status message to edit (or it is gone, or cannot be edited): say it in a new reply
        await reaching(where, lambda there: patiently(lambda: self._bot.send_message(
            text=text, parse_mode=ParseMode.HTML, rate_limit_args=AS_FINAL, **there.reply())))

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
