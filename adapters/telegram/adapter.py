"""The Telegram adapter's lifecycle: a python-telegram-bot Application sharing the event loop.

PTB's explicit initialize → start, and the reverse on stop, instead of run_polling():
run_polling owns the loop and the signals, and reelbot runs Discord and the core in the same
loop. Updates come in through reelbot's own receivers (adapters.telegram.receive), not PTB's
Updater, because they must be stored before Telegram is told it may forget them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable

from telegram import BotCommandScopeAllChatAdministrators, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder

from bot.rest_check import RestCheck, until_reachable
from adapters.telegram.concurrency import CallSizing, pool_size, updates_at_once
from adapters.telegram.config import TelegramConfig
from adapters.telegram.flood import FloodGate, patiently
from adapters.telegram.handlers import Handlers
from adapters.telegram.menu import bot_commands
from adapters.telegram.intake import Intake
from adapters.telegram.messenger import TelegramMessenger
from adapters.telegram.receive import Polling, Webhook
from adapters.telegram.redact import TokenRedaction
from adapters.telegram.status import StatusBoard
from adapters.telegram.transport import AiohttpRequest, UpdatesRequest
from bot.core import Core
from bot.i18n import LANGUAGES, default_language

__all__ = ["TelegramAdapter", "TelegramStartError"]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.PRE_CHECKOUT_QUERY]


class TelegramStartError(RuntimeError):
    """The adapter could not start; the message says what the operator should fix."""


class TelegramAdapter:
    def __init__(self, core: Core, config: TelegramConfig, *, clock: Callable[[], float] = time.monotonic,
                 flood_gate: FloodGate | None = None):
        if core.inbox is None:
            raise ValueError("the Telegram adapter needs a core with an inbox (bot.bootstrap.bootstrap)")
        self._config = config
        # Process-wide on purpose: PTB 22 warns (PTBDeprecationWarning) every time it builds a
        # RetryAfter unless PTB_TIMEDELTA is set, as it moves time periods from int seconds to
        # timedelta. Those warnings would flood the log (and fail tests that turn warnings into
        # errors). setdefault leaves an operator's own choice alone; flood.retry_after_seconds
        # reads either form.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self._redactor = TokenRedaction(config.token)
        self._redactor.install()  # before PTB logs its first URL
        gate = flood_gate or FloodGate(per_second=config.sends_per_second,
                                       group_rate=(config.group_messages_per_minute, 60.0),
                                       concurrent=config.concurrent_calls)
        # As many calls under way as the send rate needs at the latency Telegram shows (Little's law)
        self.sizing = CallSizing(gate.resize, per_second=config.sends_per_second, floor=config.concurrent_calls)
        self._updates_request = UpdatesRequest(connection_pool_size=1)  # PTB's default for getUpdates
        self._app = _build_application(config, gate, self.sizing, self._updates_request)
        self._board = StatusBoard(self._app.bot, interval=config.edit_interval, clock=clock, pending=core.statuses)
        self.messenger = TelegramMessenger(self._app.bot, self._board, config, posts=core.posts)
        core.register("telegram", self.messenger)
        handlers = Handlers(core, config, self.messenger)
        handlers.install(self._app)
        # The one receiver of an SQLite store (the process holding its lock) takes every claim
        # over at its start; with others on the store, claims of the dead lapse instead (at
        # once for a restart under the same REELBOT_WORKER_ID).
        self.intake = Intake(self._app, core.inbox, owner=core.settings.worker_id or None, parked=handlers.parked,
                             take_over=core.runs_jobs and not core.settings.database_url,
                             concurrency=updates_at_once(config.sends_per_second))
        self.receiver: Polling | Webhook | None = None
        self._rest: RestCheck | None = None  # a deliver-only worker's health (TELEGRAM_RECEIVE=off)

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException as err:
            await self.stop()  # a half-started application still holds connections
            if isinstance(err, InvalidToken):  # PTB's message quotes the token
                raise TelegramStartError("Telegram refused TELEGRAM_TOKEN; check it with @BotFather.") from None
            raise

    async def _start(self) -> None:
        # getMe: checks the token, learns the bot's @username; Telegram out of reach is waited for
        await until_reachable("Telegram", self._app.initialize, transient=(NetworkError,))
        if shown := await self._board.resume():
            log.info("Telegram: showing %d final status texts the last run could not show", shown)
        if self._config.receive_mode == "off":
            # A deliver-only worker: the Bot API's sending side alone. No getUpdates, no
            # setWebhook or deleteWebhook (a receiving process may hold the webhook), no
            # setMyCommands, and the inbox stays with the processes that receive.
            self._rest = RestCheck("Telegram", self._app.bot.get_me, interval=self._config.rest_check_interval)
            self._rest.start()
            log.info("Telegram: sending only, as @%s (TELEGRAM_RECEIVE=off)", self._app.bot.username)
            return
        # Restarts in a row can hit flood control here; waiting beats failing the start.
        # The menu in the default language for everyone, and in each language we have for
        # members whose app is set to it (Telegram picks by the member's language_code).
        # Groups' administrators get the same menu with /settings (their own scope).
        for scope in (None, BotCommandScopeAllChatAdministrators()):
            admin = scope is not None
            await patiently(lambda admin=admin, scope=scope: self._app.bot.set_my_commands(
                bot_commands(default_language(), chat_admin=admin), scope=scope))
            for language in LANGUAGES:
                await patiently(lambda language=language, admin=admin, scope=scope: self._app.bot.set_my_commands(
                    bot_commands(language, chat_admin=admin), scope=scope, language_code=language))
        await self._app.start()
        await self.intake.start()  # what the last run stored but did not finish comes first
        config = self._config
        if config.receive_mode == "webhook":
            # Telegram sends this secret with every update; without one, anyone who guesses
            # the URL could post fake updates. Each receiver checks it itself, so several may
            # stand behind a load balancer; they all set the same URL and secret.
            self.receiver = Webhook(
                self._app.bot, self.intake, host=config.listen_host, port=config.listen_port,
                path=config.webhook_path, url=config.webhook_url or "",
                secret=config.secret_token, allowed_updates=ALLOWED_UPDATES)
            await self.receiver.start()
            log.info("Telegram: receiving updates by webhook on %s:%s", config.listen_host, self.receiver.port)
        else:
            self.receiver = Polling(self._app.bot, self.intake, timeout=config.poll_timeout,
                                    allowed_updates=ALLOWED_UPDATES, raw=self._updates_request)
            await self.receiver.start()
            log.info("Telegram: receiving updates by long polling as @%s", self._app.bot.username)

    @property
    def connected(self) -> bool:
        """Updates are arriving: polling reached Telegram last time, or the webhook listens; for a
        deliver-only worker, the Bot API answered its last check (for /healthz)."""
        if self._rest is not None:
            return self._rest.healthy
        receiver = self.receiver
        if isinstance(receiver, Polling):
            return receiver.healthy and receiver.running
        return receiver is not None

    async def wait_closed(self) -> None:
        """Returns (or raises) only if Telegram ended the session for good (a revoked token)."""
        if isinstance(self.receiver, Polling):
            await self.receiver.wait_closed()
        else:
            await asyncio.Event().wait()  # a webhook or a sending-only worker has no session to lose

    async def stop(self) -> None:
        """Stop taking updates, let running handlers finish, close the connections."""
        if self.receiver is not None:
            await self.receiver.stop()
        if self._rest is not None:
            await self._rest.stop()
        await self.intake.stop()  # updates under way finish; the rest stay in the inbox
        if self._app.running:
            await self._app.stop()
        self.messenger.close()
        await self._board.close()
        await self._app.shutdown()
        await self._app.bot.shutdown()  # no-op unless initialize() failed half-way
        self._redactor.uninstall()


def _build_application(config: TelegramConfig, flood_gate: FloodGate, sizing: CallSizing,
                       updates_request: UpdatesRequest) -> Application:
    request = AiohttpRequest(
        observe=sizing.observe,
        # as many connections as the sizing may ask for calls, and a few for file downloads
        connection_pool_size=pool_size(config.sends_per_second, floor=config.concurrent_calls),
        # A 50 MB upload (2000 MB on a self-hosted server) takes longer than PTB's 20 s default.
        media_write_timeout=300)
    return (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.api_base)
        .base_file_url(config.file_api_base)
        .updater(None)  # updates come in through adapters.telegram.receive
        .rate_limiter(flood_gate)
        .request(request)
        .get_updates_request(updates_request)
        .build()
    )
