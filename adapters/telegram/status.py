"""Status messages on Telegram, through the core's one throttle (bot.statusline): latest
text wins, at most one edit per message per interval, final texts retried and kept across a
crash. Here only what an edit's answer means on Telegram: RetryAfter is waited out in full,
"not modified" is shown, a deleted message, a removed bot or a migrated group is gone.

A status message is a text, or (one message per job, see in_place.py) a placeholder photo
whose caption carries the text: its edits are caption edits. Each edit says what it carries
to the FloodGate's budget: a progress text may be dropped there (a newer one replaces it
while it waits, or a group's budget is short), a final text never is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot

from adapters.telegram.budget import Dropped
from adapters.telegram.flood import AS_FINAL, FloodGate, as_progress, retry_after_seconds
from bot.statusline import (CLOSE_GRACE, DROPPED, FAILED, FINAL_PATIENCE, GONE, SHOWN, Key, Outcome, StatusLine,
                            wait)
from bot.store.statuses import PendingStatuses

__all__ = ["StatusBoard"]

log = logging.getLogger(__name__)


class StatusBoard:
    def __init__(self, bot: Bot, *, interval: float, clock: Callable[[], float],
                 final_patience: float = FINAL_PATIENCE, pending: PendingStatuses | None = None):
        self._bot = bot
        self._line = StatusLine(self._edit, platform="telegram", interval=interval, clock=clock,
                                final_patience=final_patience, pending=pending, extra_key=_markup_key)
        self._captions: set[Key] = set()  # status messages that are photos: their caption is the text
        self._progress: dict[Key, str] = {}  # messages whose next text is progress: the text last asked for

    async def show(self, chat_id: int, message_id: int, text: str, *, final: bool = False, wait: bool = False,
                   markup: InlineKeyboardMarkup | None = None, patience: float | None = None,
                   caption: bool = False) -> bool:
        """Make the message show `text` (with `markup`'s buttons; none without). `final`: the
        last text it will get, tried for `patience` seconds (default: the board's). `wait`:
        return only once it is shown (or cannot be); the result says whether it is shown.
        `caption`: the message is a photo whose caption carries the text."""
        key = (str(chat_id), str(message_id))
        if caption:
            self._captions.add(key)
        if self._progress.get(key, text) != text:
            self._supersede(key)  # a progress edit still waiting for budget shows an older text
        if final:
            self._progress.pop(key, None)
        else:
            self._progress[key] = text
        return await self._line.show(key, text, extra=markup, final=final, wait=wait, patience=patience)

    async def retire(self, chat_id: int, message_id: int) -> None:
        """No more edits of this message, none under way: it is about to become the result."""
        key = (str(chat_id), str(message_id))
        self._supersede(key)
        self._progress.pop(key, None)
        await self._line.retire(key)
        self._captions.discard(key)

    async def resume(self) -> int:
        """Show the final texts an earlier run promised but did not show; returns how many."""
        return await self._line.resume()

    async def close(self, grace: float = CLOSE_GRACE) -> None:
        await self._line.close(grace)

    def _supersede(self, key: Key) -> None:
        gate = getattr(self._bot, "rate_limiter", None)
        if isinstance(gate, FloodGate):
            gate.budget.supersede(key)

    async def _edit(self, key: Key, text: str, markup: InlineKeyboardMarkup | None) -> Outcome:
        final = self._progress.get(key) != text
        outcome = await self._send_edit(key, text, markup)
        if final and outcome in (SHOWN, GONE):
            self._captions.discard(key)  # its last text is there (or never can be): nothing more to edit
        return outcome

    async def _send_edit(self, key: Key, text: str, markup: InlineKeyboardMarkup | None) -> Outcome:
        # only a text asked for as progress may be dropped; anything else (a final text, one
        # an earlier run promised) is asked for as final
        limits = as_progress(*key) if self._progress.get(key) == text else AS_FINAL
        extra = {"rate_limit_args": limits} if isinstance(self._bot, ExtBot) else {}  # a plain Bot takes none
        chat_id, message_id = int(key[0]), int(key[1])
        try:
            if key in self._captions:
                await self._bot.edit_message_caption(chat_id=chat_id, message_id=message_id, caption=text,
                                                     parse_mode=ParseMode.HTML, reply_markup=markup,
                                                     **extra)
            else:
                await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                                  parse_mode=ParseMode.HTML, reply_markup=markup,
                                                  **extra)
            return SHOWN
        except Dropped as err:
            log.debug("Status message %s not edited: %s", key, err.message)
            return DROPPED
        except RetryAfter as err:
            return wait(retry_after_seconds(err))  # in full, however long: Telegram punishes early edits
        except BadRequest as err:
            if "not modified" in err.message.lower():
                return SHOWN
            if "no text in the message" in err.message.lower() and key not in self._captions:
                # a photo status message this process did not send (an earlier run did): its caption
                self._captions.add(key)
                return await self._edit(key, text, markup)
            log.warning("Cannot edit status message %s: %s", key, err.message)  # deleted, too old, out of reach
            return GONE
        except (Forbidden, ChatMigrated) as err:  # bot removed; group moved to a new chat id
            log.warning("Cannot edit status message %s: %s", key, err.message)
            return GONE
        except TelegramError as err:  # network trouble, or an answer we do not know
            log.warning("Editing status message %s failed (%s); will retry", key, err)
            return FAILED


def _markup_key(markup: InlineKeyboardMarkup | None) -> dict | None:
    return markup.to_dict() if markup is not None else None
