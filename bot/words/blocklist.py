"""The one check every prompt passes before anything is spent: the operator's blocked words
(a file, `REELBOT_BLOCKLIST_FILE`), then the words of the chat the prompt was sent in.

The core calls `check` after validation and before quota is reserved, for /video, /image,
/animate and for every re-run (Edit, Re-roll, a reply to a result), since those all enter
through `Core.submit`. A blocked prompt costs nothing; the member is told so in one neutral
sentence that does not quote the entry (quoting it would teach the way around it); the
operator finds the attempt, with who, where and what matched, in `reelbot admin blocked`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.domain.requests import GenerationRequest
from bot.errors import ValidationError
from bot.i18n import T
from bot.store.blocklists import BlockedAttempt, BlockedPrompts, ChatWordStore
from bot.store.database import Database
from bot.validation import Checked
from bot.words.entries import WordList, parse
from bot.words.normal import normalise

__all__ = ["Blocklist", "OperatorList", "PromptBlocked", "BLOCKED"]

log = logging.getLogger(__name__)

BLOCKED = T("This prompt can't be used here. Please describe something else.")
CHECK_FILE_EVERY = 3.0  # seconds: how stale the operator's list may be after the file changed
CHAT_LIST_SECONDS = 2.0  # how long a chat's list is reused (another process's change applies within it)
CACHED_CHATS = 2048
_NONE = WordList()


class PromptBlocked(ValidationError):
    """The prompt contains a blocked word; the text says so without naming it."""

    def __init__(self, scope: str):
        super().__init__(BLOCKED)
        self.scope = scope


class OperatorList:
    """The operator's file, reloaded when it changes: on use, its size and modification time
    are looked at no more than every `check_every` seconds (no watcher thread to manage)."""

    def __init__(self, path: Path | None, *, clock: Callable[[], float] = time.monotonic,
                 check_every: float = CHECK_FILE_EVERY):
        self.path, self._clock, self._check_every = path, clock, check_every
        self.words = WordList()
        self.problem: str | None = None  # why the file could not be read, when it could not
        self._seen: tuple | None = None  # (inode, size, mtime) of the file last loaded
        self._checked_at: float | None = None
        self._looking = Shared()

    async def current(self) -> WordList:
        if self.path is None:
            return self.words
        if self._checked_at is None or self._clock() - self._checked_at >= self._check_every:
            await self._looking.run(self._look)
        return self.words

    async def _look(self) -> None:
        await self._reload_if_changed()
        self._checked_at = self._clock()

    async def _reload_if_changed(self) -> None:
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            self._unreadable(exc)
            return
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if seen == self._seen:
            return
        try:
            # in a thread: testing each pattern against text built to stall it takes time
            words = await asyncio.to_thread(_load, self.path)
        except (OSError, UnicodeDecodeError) as exc:
            self._unreadable(exc)
            return
        self.words, self._seen, self.problem = words, seen, None
        log.info("blocklist: %d entries from %s%s", len(words), self.path,
                 f", {len(words.refused)} refused (see the lines above)" if words.refused else "")

    def _unreadable(self, exc: Exception) -> None:
        problem = f"{self.path} cannot be read ({exc.__class__.__name__}: {exc})"
        if problem != self.problem:
            # the last list read stays in force: a file being replaced must not open the gate
            log.error("blocklist: %s; %s", problem, f"keeping the {len(self.words)} entries read before"
                      if self._seen else "no operator entries apply until it can")
        self.problem = problem


class Shared:
    """One read at a time, whose end every caller that asked meanwhile awaits together: a burst
    of prompts waits for one query, and goes on in the same turn of the loop (a lock would
    let them go one a turn, and so thin out the batches in which their credits are reserved)."""

    def __init__(self) -> None:
        self._reading: asyncio.Task[None] | None = None

    async def run(self, read: Callable[[], Awaitable[None]]) -> None:
        if self._reading is None:
            self._reading = asyncio.ensure_future(read())
            self._reading.add_done_callback(self._done)
        await asyncio.shield(self._reading)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._reading = None
        if not task.cancelled():
            task.exception()  # retrieved: every caller that waited has it already


def _load(path: Path) -> WordList:
    with open(path, encoding="utf-8-sig") as source:
        return parse(source)


class Blocklist:
    def __init__(self, path: Path | None, db: Database, *, metrics=None, clock: Callable[[], float] = time.time,
                 keep_days: int = 30):
        self.operator = OperatorList(path)  # its own monotonic clock: a file's age is not wall time
        self._keep_seconds = keep_days * 86400  # as long as a finished job keeps its prompt (bot.retention)
        self.chats, self.attempts = ChatWordStore(db), BlockedPrompts(db)
        self._metrics, self._clock = metrics, clock
        self._chat_lists: OrderedDict[str, tuple[float, WordList]] = OrderedDict()
        # which chats have words at all, so that a prompt in one without (most) reads nothing
        self._with_words: tuple[float, frozenset[str]] | None = None
        self._reading = Shared()

    async def load(self) -> None:
        """Read the operator's file now (at start), so refused entries are logged at once."""
        await self.operator.current()

    async def check(self, request: GenerationRequest, checked: Checked) -> None:
        """Raises PromptBlocked when the prompt (or another text the member wrote, such as a
        negative prompt) contains a word of the operator's list or of the chat's."""
        requester = request.requester
        operator, chat = await self.operator.current(), await self.chat_list(requester.chat_key)
        if not operator and not chat:
            return  # nothing to look for (no file, a chat without words): nothing to normalise
        prompt = checked.prompt
        texts = [checked.options[name] for name in checked.model.text_options if checked.options.get(name)]
        forms = [normalise(text) for text in (prompt, *texts) if text]
        for scope, words in (("operator", operator), ("chat", chat)):
            entry = next((hit for form in forms if (hit := words.match(form)) is not None), None)
            if entry is not None:
                attempt = BlockedAttempt(self._clock(), scope, requester.user_key, requester.name,
                                         requester.chat_key, str(request.command), prompt, entry)
                recorded = await self.attempts.record(attempt, request.request_key,
                                                      forget_before=attempt.at - self._keep_seconds)
                if recorded and self._metrics is not None:
                    self._metrics.prompts_blocked.labels(scope).inc()
                log.info("blocked a prompt of %s in %s (%s list)", requester.user_key, requester.chat_key, scope)
                raise PromptBlocked(scope)

    async def chat_list(self, chat_key: str | None) -> WordList:
        now = self._clock()
        if chat_key is None or chat_key not in await self._chats_with_words(now):
            return _NONE
        cached = self._chat_lists.get(chat_key)
        if cached is not None and _fresh(cached[0], now):
            self._chat_lists.move_to_end(chat_key)
            return cached[1]
        words = parse(await self.chats.words(chat_key), patterns_allowed=False)
        self._chat_lists[chat_key] = (now, words)
        self._chat_lists.move_to_end(chat_key)
        while len(self._chat_lists) > CACHED_CHATS:
            self._chat_lists.popitem(last=False)
        return words

    async def _chats_with_words(self, now: float) -> frozenset[str]:
        if self._with_words is None or not _fresh(self._with_words[0], now):
            await self._reading.run(self._read_chats_with_words)
        assert self._with_words is not None
        return self._with_words[1]

    async def _read_chats_with_words(self) -> None:
        read_at = self._clock()
        self._with_words = (read_at, await self.chats.chats_with_words())

    def chat_changed(self, chat_key: str) -> None:
        """Our own change: the next prompt there reads the list again."""
        self._chat_lists.pop(chat_key, None)
        self._with_words = None


def _fresh(read_at: float, now: float) -> bool:
    return 0 <= now - read_at < CHAT_LIST_SECONDS
