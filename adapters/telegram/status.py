"""Status messages on Telegram, through the core's one throttle (bot.statusline): latest
text wins, at most one edit per message per interval, final texts retried and kept across a
crash. Here only what an edit's answer means on Telegram: RetryAfter is waited out in full,
"not modified" is shown, a deleted message, a removed bot or a migrated group is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from adapters.telegram.flood import retry_after_seconds
from bot.statusline import CLOSE_GRACE, FAILED, FINAL_PATIENCE, GONE, SHOWN, Key, Outcome, StatusLine, wait
from bot.store.statuses import PendingStatuses

__all__ = ["StatusBoard"]

log = logging.getLogger(__name__)


class StatusBoard:
    def __init__(self, bot: Bot, *, interval: float, clock: Callable[[], float],
                 final_patience: float = FINAL_PATIENCE, pending: PendingStatuses | None = None):
        self._bot = bot
        self._line = StatusLine(self._edit, platform="telegram", interval=interval, clock=clock,
                                final_patience=final_patience, pending=pending, extra_key=_markup_key)

    async def show(self, chat_id: int, message_id: int, text: str, *, final: bool = False, wait: bool = False,
                   markup: InlineKeyboardMarkup | None = None, patience: float | None = None) -> bool:
        """Make the message show `text` (with `markup`'s buttons; none without). `final`: the
        last text it will get, tried for `patience` seconds (default: the board's). `wait`:
        return only once it is shown (or cannot be); the result says whether it is shown."""
        return await self._line.show((str(chat_id), str(message_id)), text, extra=markup, final=final, wait=wait,
                                     patience=patience)

    async def resume(self) -> int:
        """Show the final texts an earlier run promised but did not show; returns how many."""
        return await self._line.resume()

    async def close(self, grace: float = CLOSE_GRACE) -> None:
        await self._line.close(grace)

    async def _edit(self, key: Key, text: str, markup: InlineKeyboardMarkup | None) -> Outcome:
        try:
            await self._bot.edit_message_text(text, chat_id=int(key[0]), message_id=int(key[1]),
                                              parse_mode=ParseMode.HTML, reply_markup=markup)
            return SHOWN
        except RetryAfter as err:
            return wait(retry_after_seconds(err))  # in full, however long: Telegram punishes early edits
        except BadRequest as err:
            if "not modified" in err.message.lower():
                return SHOWN
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
