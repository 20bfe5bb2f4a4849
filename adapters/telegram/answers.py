"""The one place a Telegram update's outcome becomes an answer (aiogram's error middleware,
written once): a refusal from the core is a reply and the update is handled; anything else
goes on to the door (adapters.telegram.intake), which tries the update again and, when it
keeps failing, parks it and calls `Parking.parked`: every admin is told (a payment with its
charge id) and the member hears the apology, once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import TelegramError

from adapters.telegram import render
from adapters.telegram.destination import Where
from adapters.telegram.flood import FIRST, patiently
from adapters.telegram.messenger import TelegramMessenger
from bot import i18n
from bot.core import Core
from bot.errors import UserError
from bot.i18n import T, Text
from bot.store.inbox import InboxEntry

__all__ = ["OOPS", "ANSWER_LIMIT", "Parking", "reply", "refusals", "addressed", "answer"]

log = logging.getLogger(__name__)

OOPS = T("Sorry, something went wrong on our side. Please try again.")
ANSWER_LIMIT = 200  # characters in a callback query's answer


class Parking:
    def __init__(self, core: Core, messenger: TelegramMessenger):
        self._core, self._messenger = core, messenger

    async def parked(self, update: Update | None, entry: InboxEntry, error: BaseException) -> None:
        """The door gave up on an update: every admin is told (a payment with its charge id,
        so that its credits can be added or its Stars refunded), and its member hears the
        apology, once."""
        message = update.effective_message if update is not None else None
        paid = message.successful_payment if message is not None else None
        text = (f"Telegram update {entry.update_id} failed {entry.failures + 1} times "
                f"({type(error).__name__}) and is parked; see the log (and the inbox's parked rows).")
        if paid is not None:
            who = message.from_user.id if message.from_user else "?"
            text += (f" It is a Stars payment of {paid.total_amount} Stars by telegram:{who}, charge "
                     f"{paid.telegram_payment_charge_id}: its credits were NOT added. Refund it with "
                     f"`reelbot admin refund-payment {paid.telegram_payment_charge_id}`, or grant the credits.")
        # A payment is always told; other updates at most once per alert interval (an outage
        # of Telegram itself could park many at once), each still in the log and the inbox.
        cause = f"parked:telegram:{paid.telegram_payment_charge_id}" if paid is not None else "parked:telegram"
        try:
            await self._core.guard.alert(cause, text)
        except Exception:  # the database, most likely: tell this platform's admins directly
            log.exception("could not alert the admins through the core; telling the Telegram admins")
            await self._messenger.alert_admins(text)
        user = update.effective_user if update is not None else None
        if message is not None and user is not None:
            try:
                await reply(message, render.refusal(addressed(OOPS, user, message.chat), user.language_code))
            except TelegramError as err:
                log.warning("could not tell the member about parked update %s: %s", entry.update_id, err)


async def reply(message: Message, html: str) -> None:
    # an answer to a member's command (a refusal, /quota, /help): ahead of edits and results
    await patiently(lambda: message.get_bot().send_message(
        text=html, parse_mode=ParseMode.HTML, rate_limit_args=FIRST, **Where.answering(message).reply()))


@asynccontextmanager
async def refusals(message: Message, user: User, language: str | None, what: str, *,
                   button: bool) -> AsyncIterator[None]:
    """The one place a failure becomes a reply: a refusal is answered to `message` (for a
    `button`, under the message it is on, addressed to whoever pressed it) and the update is
    handled; anything else goes on to the door, which tries the update again (and, at last,
    answers with the apology: Parking.parked)."""
    try:
        yield
    except UserError as err:
        log.debug("%s from user %s refused: %s", what, user.id, err)
        await reply(message, render.refusal(addressed(err.text, user, message.chat) if button else err.text,
                                            language))


def addressed(text: Text | str, user: User, chat: Chat) -> Text | str:
    # In a group the reply lands under a result anyone may have pressed: say whose it is.
    return text if chat.type == Chat.PRIVATE else T("{name}: {text}", name=user.first_name, text=text)


async def answer(query: CallbackQuery, text: Text, language: str | None, *, alert: bool = False) -> None:
    try:
        await query.answer(render.clip_utf16(i18n.render(text, language), ANSWER_LIMIT), show_alert=alert)
    except TelegramError as err:  # answered too late (over ~15 s): the member saw a spinner, nothing worse
        log.info("answerCallbackQuery failed: %s", err)
