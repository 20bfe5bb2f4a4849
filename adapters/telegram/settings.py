"""`/settings` on Telegram: what a group's own admins set for their group (bot.chats.desk).

    /settings                        the settings, the operator's bounds and the usage, with buttons
    /settings budget 200|off         the group's credits a day (clamped to the operator's cap)
    /settings member 20|off          each member's credits a day here
    /settings commands image[,video]|all     /settings models minimaxi-*,flux-*|all
    /settings words add|remove|list cake, a phrase       /settings progress on|off
    /settings usage

Who is an admin of the group is asked of Telegram (`getChatMember`: its creator and
administrators), remembered for ADMIN_SECONDS to show the settings, and asked again for every
change and every press of a button: someone demoted a minute ago changes nothing. The core
checks the rest (bot.chats.desk): the group the command came from is the only one touched.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Bot, CallbackQuery, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from adapters.telegram import render
from adapters.telegram.answers import answer, reply
from adapters.telegram.destination import Where
from adapters.telegram.flood import FIRST, patiently
from bot import i18n
from bot.access import Refused
from bot.chats.desk import ChatActor, ChatDesk
from bot.domain.requests import Requester
from bot.i18n import T, Text
from bot.store.chat_settings import ChatSettings

__all__ = ["ChatSettingsCommands", "ChatAdmins", "SETTINGS", "ADMIN_SECONDS"]

SETTINGS = "cs"  # callback data "cs:<what>:<value>"
ADMIN_SECONDS = 60.0
REMEMBERED = 4096  # (chat, member) answers kept
_ADMIN_STATES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
HOW = T("Settings: /settings budget 200|off, /settings member 20|off, /settings commands image,video|all, "
        "/settings models minimaxi-*|all, /settings words add|remove|list …, /settings progress on|off, "
        "/settings usage.")


class ChatAdmins:
    """Whether a member administers a chat, as Telegram says, for a short while."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, keep: float = ADMIN_SECONDS):
        self._clock, self._keep = clock, keep
        self._known: OrderedDict[tuple[int, int], tuple[float, bool]] = OrderedDict()

    async def check(self, bot: Bot, chat_id: int, user_id: int, *, fresh: bool) -> bool:
        now = self._clock()
        known = self._known.get((chat_id, user_id))
        if not fresh and known is not None and now - known[0] < self._keep:
            return known[1]
        try:
            member = await patiently(lambda: bot.get_chat_member(chat_id, user_id))
        except TelegramError:
            return False  # not a member we can look up: not an admin we can trust
        admin = member.status in _ADMIN_STATES
        self._known[(chat_id, user_id)] = (now, admin)
        self._known.move_to_end((chat_id, user_id))
        while len(self._known) > REMEMBERED:
            self._known.popitem(last=False)
        return admin


class ChatSettingsCommands:
    def __init__(self, desk: ChatDesk, admins: ChatAdmins | None = None):
        self._desk, self.admins = desk, admins or ChatAdmins()

    async def _actor(self, bot: Bot, who: Requester, *, fresh: bool) -> ChatActor:
        if who.private or who.chat_id is None:
            return ChatActor(who, chat_admin=False)  # the desk says where to use it
        admin = who.is_admin or await self.admins.check(bot, int(who.chat_id), int(who.user_id), fresh=fresh)
        return ChatActor(who, chat_admin=admin)

    async def command(self, message: Message, text: str, who: Requester, *, key: str) -> None:
        """`/settings …`; raises UserError (the refusal) for what the desk refuses."""
        words = text.split(maxsplit=1)
        what, rest = (words[0].lower(), words[1] if len(words) > 1 else "") if words else ("", "")
        bot, language = message.get_bot(), who.language
        if what == "":
            actor = await self._actor(bot, who, fresh=False)
            await self._show(message, actor, language)
            return
        actor = await self._actor(bot, who, fresh=what != "usage")
        answer_text = await self._change(actor, what, rest, key)
        await reply(message, render.esc(i18n.render(answer_text, language)))

    async def _change(self, actor: ChatActor, what: str, rest: str, key: str) -> Text:
        desk = self._desk
        desk.chat_of(actor)  # a member who is no admin hears that, whatever else is wrong with the command
        match what:
            case "budget":
                return await desk.budget(actor, _credits(rest), key=key)
            case "member":
                return await desk.member_limit(actor, _credits(rest), key=key)
            case "commands":
                return await desk.commands(actor, _listed(rest), key=key)
            case "models":
                return await desk.models(actor, _listed(rest), key=key)
            case "progress":
                return await desk.progress(actor, _on(rest), key=key)
            case "words":
                action, _, entries = rest.partition(" ")
                return await desk.words(actor, action.lower() or "list", entries.split(","), key=key)
            case "usage":
                return await desk.usage(actor)
        raise Refused(HOW)

    async def _show(self, message: Message, actor: ChatActor, language: str | None) -> None:
        view = await self._desk.view(actor)
        settings = await self._desk.settings(actor)
        await patiently(lambda: message.get_bot().send_message(
            text=render.esc(view.render(language)), parse_mode=ParseMode.HTML,
            reply_markup=keyboard(settings, language), rate_limit_args=FIRST, **Where.answering(message).reply()))

    async def press(self, query: CallbackQuery, message: Message, data: str, who: Requester) -> None:
        """A button under the settings: changed as the text form would, then shown anew."""
        language = who.language
        what, _, value = data.partition(":")
        actor = await self._actor(message.get_bot(), who, fresh=True)
        try:
            done = await self._change(actor, what, value, f"telegram:callback:{query.id}")
        except Refused as refused:
            await answer(query, refused.text, language, alert=True)
            return
        await answer(query, done, language)
        view, settings = await self._desk.view(actor), await self._desk.settings(actor)
        try:
            await patiently(lambda: message.edit_text(render.esc(view.render(language)), parse_mode=ParseMode.HTML,
                                                      reply_markup=keyboard(settings, language)))
        except TelegramError as err:  # "message is not modified" after a second press: nothing to show
            if "not modified" not in str(err).lower():
                raise


def keyboard(settings: ChatSettings, language: str | None) -> InlineKeyboardMarkup:
    def button(label: Text, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(i18n.render(label, language), callback_data=f"{SETTINGS}:{data}")

    progress = button(T("Hide progress"), "progress:off") if settings.progress \
        else button(T("Show progress"), "progress:on")
    return InlineKeyboardMarkup([
        [button(T("All commands"), "commands:all"), button(T("Images only"), "commands:image"),
         button(T("Videos only"), "commands:video,animate")],
        [button(T("All models"), "models:all"), progress],
        [button(T("Budget: operator's"), "budget:off"), button(T("Usage"), "usage")],
    ])


def _credits(text: str) -> int | None:
    value = text.strip().lower()
    if value in ("off", "default", "none", "all"):
        return None
    if not value.isdigit():
        raise Refused(T("Give a number of credits, or off for the operator's."))
    return int(value)


def _on(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("on", "off"):
        raise Refused(T("Say on or off."))
    return value == "on"


def _listed(text: str) -> list[str]:
    return [part for part in text.replace(" ", ",").split(",") if part]
