"""Telegram updates in, core requests out.

One handler reads every new message and picks out commands, from the text or from the
caption of a photo or file, so `/animate` works as a caption, as a reply, and as
`/animate@ThisBot` in groups. One handler takes the inline buttons under results.

A refusal from the core becomes a reply, and anything else goes on to the door, in one
place (adapters.telegram.answers). Every change an update makes is keyed on it
(`event_key`), so trying it again changes nothing twice.
"""

from __future__ import annotations

import logging
import time

from telegram import CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram import render
from adapters.telegram.admin import AdminCommands
from adapters.telegram.answers import Parking, answer, refusals, reply
from adapters.telegram.settings import SETTINGS, ChatSettingsCommands
from adapters.telegram.shop import BUY, StarShop
from adapters.telegram.config import TelegramConfig
from adapters.telegram.destination import Where
from adapters.telegram.flood import patiently
from adapters.telegram.album import send_results  # one result, or several as one album
from adapters.telegram.intake import event_key
from adapters.telegram.menu import parse_command
from adapters.telegram.albums import Albums
from adapters.telegram.attached import attached
from adapters.telegram.media import download_image, image_in
from adapters.telegram.messenger import TelegramMessenger
from bot.catalog.listing import models_page
from bot.domain.requests import Command, GenerationRequest, Requester
from bot.core import Core
from bot.errors import UserError
from bot.jobs import cancel as cancelling
from bot.i18n import T
from bot.textsyntax import parse

__all__ = ["Handlers"]

log = logging.getLogger(__name__)
MODELS_PAGE = "models"  # callback data "models:N": page N of /models

_GENERATE = {"video": Command.VIDEO, "image": Command.IMAGE, "animate": Command.ANIMATE}
WORKING = T("Working on it…")
EDIT = "edit"  # a text reply to a result: handled like a command of that name


class Handlers:
    def __init__(self, core: Core, config: TelegramConfig, messenger: TelegramMessenger):
        self._core, self._config, self._messenger = core, config, messenger
        self._admin = AdminCommands(core)
        self.shop = StarShop(core, config.admin_ids)
        self.settings = ChatSettingsCommands(core.chat_desk)  # /settings: a group's own admins
        self.parked = Parking(core, messenger).parked  # the door's last word on an update
        # an /animate album's pictures, gathered from the inbox (adapters.telegram.albums)
        self.albums = Albums(core.inbox, parse_command)

    def install(self, app: Application) -> None:
        self.shop.bind(app)
        self.shop.install(app)
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & (filters.TEXT | filters.CAPTION),
                                       self.on_message))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    # ---- commands ----------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message.from_user is None:
            return
        parsed = parse_command(message.text or message.caption or "", context.bot.username)
        edited_job = None
        if parsed is None:
            # Not a command: a text reply to one of our results re-runs it with that text.
            edited_job = await self._replied_result(message, context.bot.id)
            if edited_job is None:
                return
            parsed = (EDIT, message.text or "")
        name, rest = parsed
        requester = self._requester(message.from_user, message.chat)
        language = requester.language
        self._admin.saw(message)
        if not requester.is_admin and not requester.private and not self._core.access.chat_allowed(requester):
            # a group the operator did not allow: say so once, and leave it
            await reply(message, render.refusal(T("This bot is not available in this chat, so it is leaving."),
                                                language))
            await patiently(lambda: context.bot.leave_chat(message.chat_id))
            return
        # Names the job after this update and message, so handling it twice makes one job.
        key = f"{event_key(update)}:{message.chat_id}:{message.message_id}"
        async with refusals(message, message.from_user, language, f"/{name}", button=False):
            if edited_job is not None:
                await self._core.rerun(edited_job, requester, Where.answering(message).stored(), request_key=key,
                                       prompt=rest)
            elif name in _GENERATE:
                await self._generate(message, _GENERATE[name], rest, requester, key, update.update_id)
            elif name in ("start", "help"):
                topic = rest if name == "help" else None  # /help video: that command's details
                await reply(message, render.help_message(self._core.help_text("text", topic, shop=True),
                                                         context.bot.username, language, topic))
            elif name == "quota":
                await reply(message, render.quota(await self._core.quota(requester), language))
            elif name == "jobs":
                await self._jobs(message, requester, language)
            elif name == "models":
                text, keyboard = self._models_page(0, language)
                await patiently(lambda: message.get_bot().send_message(
                    text=text, parse_mode=ParseMode.HTML, reply_markup=keyboard, **Where.answering(message).reply()))
            elif name == "buy":
                await self.shop.show(message, rest, requester)
            elif name == "settings":
                await self.settings.command(message, rest, requester, key=event_key(update))
            elif name == "admin":
                html = await self._admin.run(message, rest, requester, key=event_key(update))
                await _privately(message, html, language)
            elif message.chat.type == Chat.PRIVATE:
                await reply(message, render.refusal(T("I don't know /{name}. Send /help for what I can do.",
                                                      name=name), language))

    async def _replied_result(self, message: Message, bot_id: int) -> str | None:
        """The job whose result `message` replies to with text, or None (not a reply to one of
        our results; a reply with a photo or a file is not a new prompt)."""
        replied = message.reply_to_message
        if (replied is None or not message.text or replied.from_user is None
                or replied.from_user.id != bot_id):
            return None
        return await self._core.posts.job_for("telegram", str(message.chat_id), str(replied.message_id))

    async def _generate(self, message: Message, command: Command, text: str, requester: Requester,
                        key: str, update_id: int) -> None:
        parsed = parse(text)
        inputs = await attached(message, command, key, self.albums, update_id)
        if inputs is None:
            return  # another update of the album answers it
        await self._core.submit(GenerationRequest(
            requester=requester, destination=Where.answering(message).stored(), command=command,
            prompt=parsed.prompt, model=parsed.model, options=parsed.options, image=inputs.image,
            request_key=inputs.key, end_image=inputs.end_image, video=inputs.video))

    # ---- buttons under results ---------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        action, _, job_id = (query.data or "").partition(":")
        message = query.message if isinstance(query.message, Message) else None
        language = query.from_user.language_code
        if message is None:
            await answer(query, T("This message is too old for its buttons; send the command again."), language,
                         alert=True)
            return
        if action == BUY:
            await answer(query, WORKING, language)
            pack = self._core.shop.pack(int(job_id)) if job_id.isdigit() else None
            if pack is not None:
                async with refusals(message, query.from_user, language, "buying", button=True):
                    await self.shop.invoice(self._requester(query.from_user, message.chat), message.chat_id, pack)
            return
        if action == SETTINGS:
            async with refusals(message, query.from_user, language, "settings", button=True):
                await self.settings.press(query, message, job_id, self._requester(query.from_user, message.chat))
            return
        if action == render.CANCEL:
            await self._cancel(query, message, job_id)
            return
        if action == render.FETCH:
            await self._fetch(query, message, job_id)
            return
        if action == MODELS_PAGE:
            await self._turn_models_page(query, message, job_id, language)
            return
        if action not in (render.AGAIN, render.ANIMATE):
            await answer(query, T("That button no longer does anything."), language)
            return
        # Answer at once: until then the member sees a spinner, and a member who clicks again
        # because nothing seems to happen is charged twice. What follows (downloading the
        # photo, queueing) can take seconds; its outcome arrives as messages.
        await answer(query, WORKING, language)
        requester = self._requester(query.from_user, message.chat)
        where = Where.answering(message).stored()  # status and result reply to the result clicked
        key = f"telegram:callback:{query.id}"  # one press is one job, however often it is handled
        async with refusals(message, query.from_user, language, f"button {action!r}", button=True):
            if action == render.AGAIN:
                await self._core.rerun(job_id, requester, where, request_key=key)
            else:
                source = image_in(message)
                if source is None:
                    raise UserError(T("There is no picture in that message to animate."))
                image = await download_image(source)
                await self._core.submit(GenerationRequest(
                    requester=requester, destination=where, command=Command.ANIMATE, image=image,
                    request_key=key))

    # ---- /models, a page at a time ------------------------------------------------------

    def _models_page(self, page: int, language: str | None) -> tuple[str, InlineKeyboardMarkup | None]:
        shown = models_page(self._core.catalog, page)
        row = []
        if shown.page > 0:
            row.append(InlineKeyboardButton("‹", callback_data=f"{MODELS_PAGE}:{shown.page - 1}"))
        if shown.page + 1 < shown.pages:
            row.append(InlineKeyboardButton("›", callback_data=f"{MODELS_PAGE}:{shown.page + 1}"))
        return render.esc(shown.text.render(language)), InlineKeyboardMarkup([row]) if row else None

    async def _turn_models_page(self, query: CallbackQuery, message: Message, page: str,
                                language: str | None) -> None:
        # a page turn changes nothing but the message: pressing it twice shows the same page
        await answer(query, WORKING, language)
        text, keyboard = self._models_page(int(page) if page.isdigit() else 0, language)
        try:
            await patiently(lambda: message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard))
        except TelegramError as err:  # "message is not modified" and the like: the page is shown
            log.debug("models page not turned: %s", err)

    # ---- cancel, /jobs and fetching a result again ---------------------------------------

    async def _cancel(self, query: CallbackQuery, message: Message, job_id: str) -> None:
        """The Cancel button under a waiting job's status message. The core checks who may."""
        requester = self._requester(query.from_user, message.chat)
        language = query.from_user.language_code
        try:
            job = await self._core.cancel(job_id, requester)
        except UserError as err:  # not theirs, or 302.AI has it already: said in the spinner's place
            job = await self._core.job(job_id)
            # Cancelled before (this press handled again after its answer failed): say so as the
            # first time did, and make sure its status says it too.
            if job is None or not cancelling.is_cancelled(job) or not cancelling.may_cancel(
                    job, requester.user_key, requester.is_admin):
                await answer(query, err.text, language, alert=True)
                return
        await answer(query, T("Cancelled; your credits are back."), language)
        await self._messenger.cancelled(job, language)

    async def _jobs(self, message: Message, requester: Requester, language: str | None) -> None:
        jobs = await self._core.jobs(requester)
        now = time.time()
        await patiently(lambda: message.get_bot().send_message(
            text=render.jobs_list(jobs, now, language), parse_mode=ParseMode.HTML,
            reply_markup=render.fetch_buttons(jobs, now), **Where.answering(message).reply()))

    async def _fetch(self, query: CallbackQuery, message: Message, job_id: str) -> None:
        """A button under /jobs: that delivered result posted again, as a reply to the list."""
        language = query.from_user.language_code
        await answer(query, WORKING, language)  # downloading can take a while; the spinner must not
        requester = self._requester(query.from_user, message.chat)
        async with refusals(message, query.from_user, language, f"fetching job {job_id}", button=True):
            result = await self._core.refetch(job_id, requester, self._config.upload_limit)
            job = await self._core.job(job_id)
            await send_results(message.get_bot(), job, result, where=Where.answering(message),
                              upload_limit=self._config.upload_limit, read_timeout=self._config.media_read_timeout)

    # ---- shared ------------------------------------------------------------------------

    def _requester(self, user: User, chat: Chat) -> Requester:
        return Requester(platform="telegram", user_id=str(user.id), chat_id=str(chat.id),
                         name=user.full_name, is_admin=user.id in self._config.admin_ids,
                         private=chat.type == "private", language=user.language_code, chat_title=chat.title or "")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("Telegram update %s failed", update_id, exc_info=context.error)


async def _privately(message: Message, html: str, language: str | None) -> None:
    """To the admin's own chat with the bot; in the group only if the bot may not write to them."""
    user = message.from_user
    if message.chat.type == Chat.PRIVATE or user is None:
        await reply(message, html)
        return
    try:
        await patiently(lambda: message.get_bot().send_message(chat_id=user.id, text=html, parse_mode=ParseMode.HTML))
    except TelegramError:  # they never started a chat with the bot
        await reply(message, render.refusal(T("Send me /start in a private chat first: admin answers go there."),
                                            language))
