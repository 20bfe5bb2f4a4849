"""Buying credits with Telegram Stars: /buy shows the packs, a button sends the invoice
(currency XTR), the pre-checkout query is answered at once (Telegram allows 10 seconds)
after the core checked the buyer, the pack and the price, and a successful payment adds the
credits once, however often its update arrives. A member the bot would refuse (banned, the
bot paused, a chat outside the allowlist) gets no invoice, and a refused pre-checkout for an
invoice sent before."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Message, Update, User
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, PreCheckoutQueryHandler, filters

from adapters.telegram import render
from adapters.telegram.flood import patiently
from bot.domain.requests import Requester
from bot.core import Core
from bot import i18n
from bot.errors import UserError
from bot.i18n import T
from bot.shop import CLOSED, CURRENCY, Pack, read_payload
from bot.texts import credits_text

__all__ = ["StarShop", "BUY", "CLOSED"]

log = logging.getLogger(__name__)
BUY = "buy"  # callback data "buy:<credits>"


class StarShop:
    def __init__(self, core: Core, admin_ids: frozenset[int] = frozenset()):
        self._core, self._admin_ids = core, admin_ids

    def install(self, app: Application) -> None:
        app.add_handler(PreCheckoutQueryHandler(self.on_pre_checkout))
        app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, self.on_paid))

    async def show(self, message: Message, rest: str, buyer: Requester) -> None:
        """/buy: the packs as buttons; /buy N: the invoice for that pack at once."""
        shop, language = self._core.shop, buyer.language
        await shop.admit(buyer)
        if rest.strip().isdigit():
            pack = shop.pack(int(rest))
            if pack is None:
                raise UserError(T("There is no pack of {credits} credits. Send /buy to see them.",
                                  credits=rest.strip()))
            await self.invoice(buyer, message.chat_id, pack)
            return
        rows = [[InlineKeyboardButton(
            i18n.render(T("{credits} for {stars} ⭐", credits=credits_text(p.credits), stars=p.stars), language),
            callback_data=f"{BUY}:{p.credits}")] for p in shop.packs()]
        text = T("Buy credits that never expire: they are spent once your free daily credits are used up. "
                 "Choose a pack:")
        await patiently(lambda: message.get_bot().send_message(
            chat_id=message.chat_id, text=render.esc(i18n.render(text, language)), parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(rows)))

    async def invoice(self, buyer: Requester, chat_id: int, pack: Pack) -> None:
        """The invoice for `pack` in `chat_id`; raises Refused when `buyer` may not buy now."""
        await self._core.shop.admit(buyer)
        bot, language = self._bot, buyer.language
        credits = credits_text(pack.credits).render(language)
        await patiently(lambda: bot.send_invoice(
            chat_id=chat_id, title=i18n.render(T("{credits} for reelbot", credits=credits), language),
            description=i18n.render(T("{credits} for videos and images; they do not expire.", credits=credits),
                                    language),
            payload=pack.payload_for(str(chat_id)), currency=CURRENCY,
            prices=[LabeledPrice(credits, pack.stars)]))

    def bind(self, app: Application) -> None:
        self._bot = app.bot

    async def on_pre_checkout(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.pre_checkout_query
        try:
            await self._core.shop.check(self._buyer(query.from_user, query.invoice_payload), query.invoice_payload,
                                        query.total_amount, query.currency)
        except UserError as refusal:
            await query.answer(ok=False, error_message=refusal.render(query.from_user.language_code))
            return
        await query.answer(ok=True)

    def _buyer(self, user: User, payload: str) -> Requester:
        # A pre-checkout query names no chat: the invoice's payload does (older ones: their DM).
        chat = read_payload(payload)[1] or str(user.id)
        return Requester(platform="telegram", user_id=str(user.id), chat_id=chat, name=user.full_name,
                         is_admin=user.id in self._admin_ids, private=chat == str(user.id),
                         language=user.language_code)

    async def on_paid(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        paid = message.successful_payment
        user = message.from_user
        added, pack = await self._core.shop.paid(f"telegram:{user.id}", paid.telegram_payment_charge_id,
                                                 paid.invoice_payload, paid.total_amount, paid.currency)
        if not added:  # handled again after its thanks failed, or a crash: the thanks is still due
            log.info("payment %s was applied before; not again", paid.telegram_payment_charge_id)
        balance = await self._core.shop.balance(f"telegram:{user.id}")
        await patiently(lambda: message.get_bot().send_message(
            chat_id=message.chat_id, parse_mode=ParseMode.HTML,
            text=render.esc(i18n.render(T("Thank you! {credits} added; you have {balance} purchased credits.",
                                          credits=credits_text(pack.credits), balance=balance),
                                        user.language_code))))
