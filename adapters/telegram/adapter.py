"""The Telegram adapter's lifecycle: a python-telegram-bot Application sharing the event loop.

PTB's explicit initialize → start → updater.start_polling/start_webhook, and the reverse
on stop, instead of run_polling(): run_polling owns the loop and the signals, and reelbot
runs Discord and the core in the same loop.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder

from adapters.telegram.config import TelegramConfig
from adapters.telegram.flood import patiently
from adapters.telegram.handlers import BOT_COMMANDS, Handlers
from adapters.telegram.messenger import TelegramMessenger
from adapters.telegram.redact import TokenRedaction
from adapters.telegram.status import StatusBoard
from bot.core import Core

__all__ = ["TelegramAdapter", "TelegramStartError"]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class TelegramStartError(RuntimeError):
    """The adapter could not start; the message says what the operator should fix."""


class TelegramAdapter:
    def __init__(self, core: Core, config: TelegramConfig, *, clock: Callable[[], float] = time.monotonic):
        self._config = config
        # Process-wide on purpose: PTB 22 warns (PTBDeprecationWarning) every time it builds a
        # RetryAfter unless PTB_TIMEDELTA is set, as it moves time periods from int seconds to
        # timedelta. Those warnings would flood the log (and fail tests that turn warnings into
        # errors). setdefault leaves an operator's own choice alone; flood.retry_after_seconds
        # reads either form.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self._redactor = TokenRedaction(config.token)
        self._redactor.install()  # before PTB logs its first URL
        self._app = _build_application(config)
        self._board = StatusBoard(self._app.bot, interval=config.edit_interval, clock=clock)
        self.messenger = TelegramMessenger(self._app.bot, self._board, config)
        core.register("telegram", self.messenger)
        Handlers(core, config).install(self._app)

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException as err:
            await self.stop()  # a half-started application still holds connections
            if isinstance(err, InvalidToken):  # PTB's message quotes the token
                raise TelegramStartError("Telegram refused TELEGRAM_TOKEN; check it with @BotFather.") from None
            raise

    async def _start(self) -> None:
        await self._app.initialize()  # getMe: checks the token, learns the bot's @username
        # Restarts in a row can hit flood control here; waiting beats failing the start.
        await patiently(lambda: self._app.bot.set_my_commands(BOT_COMMANDS))
        await self._app.start()
        updater = self._app.updater
        if self._config.webhook_url:
            # Telegram sends this secret with every update; without one, anyone who guesses
            # the URL could post fake updates. A fresh one per start is as good as a fixed one.
            secret = self._config.webhook_secret or secrets.token_urlsafe(32)
            await updater.start_webhook(
                listen=self._config.listen_host, port=self._config.listen_port,
                url_path=self._config.webhook_path, webhook_url=self._config.webhook_url,
                secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram: receiving updates by webhook on %s", self._config.webhook_listen)
        else:
            await updater.start_polling(timeout=int(self._config.poll_timeout), allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram: receiving updates by long polling as @%s", self._app.bot.username)

    async def stop(self) -> None:
        """Stop taking updates, let running handlers finish, close the connections."""
        if self._app.updater and self._app.updater.running:
            await self._app.updater.stop()
        if self._app.running:
            await self._app.stop()  # waits for running handlers
        self.messenger.close()
        await self._board.close()
        await self._app.shutdown()
        await self._app.bot.shutdown()  # no-op unless initialize() failed half-way
        self._redactor.uninstall()


def _build_application(config: TelegramConfig) -> Application:
    return (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.api_base)
        .base_file_url(config.file_api_base)
        # Commands download pictures and talk to the core: one slow member must not hold up the rest.
        .concurrent_updates(64)
        # A 50 MB upload (2000 MB on a self-hosted server) takes longer than PTB's 20 s default.
        .media_write_timeout(300)
        .build()
    )
