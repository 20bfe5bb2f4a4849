"""Sending to a chat that may have moved or gone for good.

A basic group upgraded to a supergroup gets a new chat id, and Telegram refuses every
send to the old one, naming the new: follow it once. A chat that removed or blocked the
bot, or no longer exists, will refuse forever: say so with DestinationGone, so the core
refunds (or drops the notice) at once instead of retrying for minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, ChatMigrated, Forbidden

from adapters.telegram.destination import Where
from bot.errors import DestinationGone

__all__ = ["reaching"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_GONE = ("chat not found",)  # BadRequest texts that no retry will change


async def reaching(where: Where, send: Callable[[Where], Awaitable[T]]) -> T:
    """`send(where)`, following a group's migration once; DestinationGone for a lost chat."""
    try:
        try:
            return await send(where)
        except ChatMigrated as moved:
            log.info("Telegram chat %s is now supergroup %s; sending there", where.chat_id, moved.new_chat_id)
            # Message ids do not carry over to the supergroup, so there is nothing to reply to,
            # and the old status message can no longer be edited. Basic groups have no topics.
            return await send(Where(int(moved.new_chat_id)))
    except Forbidden as err:  # the bot was removed from the group, or the member blocked it
        raise DestinationGone(f"Telegram chat {where.chat_id}: {err.message}") from err
    except BadRequest as err:
        if any(text in err.message.lower() for text in _GONE):
            raise DestinationGone(f"Telegram chat {where.chat_id}: {err.message}") from err
        raise
