"""Updates in from Telegram, by long polling or by webhook, stored before they are confirmed.

PTB's Updater confirms a batch (asks for the next offset) before its handlers ran, and its
webhook answers 200 before anything is stored: a crash there lost the commands for good.
Here the next offset is asked for, and the webhook call answered, only once the updates are
in the inbox (adapters.telegram.intake).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from adapters.telegram.flood import retry_after_seconds
from adapters.telegram.intake import Intake
from adapters.telegram.transport import UpdatesRequest

__all__ = ["Polling", "Webhook"]

log = logging.getLogger(__name__)

_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_MAX_BACKOFF = 30.0


class Polling:
    """getUpdates in a loop; each batch is stored before the next call confirms it."""

    def __init__(self, bot: Bot, intake: Intake, *, timeout: float, allowed_updates: list[str],
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, raw: UpdatesRequest | None = None):
        self._bot, self._intake, self._sleep = bot, intake, sleep
        self._raw = raw  # the bot's getUpdates client, if it keeps the JSON Telegram sent
        self._timeout, self._allowed = int(timeout), allowed_updates
        self._task: asyncio.Task | None = None
        self.healthy = False  # the last getUpdates reached Telegram (for /healthz)

    async def start(self) -> None:
        await self._bot.delete_webhook()  # Telegram refuses getUpdates while a webhook is set
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait_closed(self) -> None:
        """Returns (or raises) only when polling ended by itself: the token was revoked."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def _as_sent(self, updates: tuple[Update, ...]) -> list[dict]:
        """The updates as Telegram sent them (kept by the client), else rebuilt from PTB's objects."""
        raw = self._raw.take() if self._raw is not None else None
        if raw is not None and [u.get("update_id") for u in raw] == [u.update_id for u in updates]:
            return raw
        return [u.to_dict() for u in updates]

    async def _run(self) -> None:
        offset: int | None = None  # None: start from the oldest update Telegram still holds
        backoff = 1.0
        while True:
            try:
                updates = await self._bot.get_updates(offset=offset, timeout=self._timeout,
                                                      allowed_updates=self._allowed)
                self.healthy = True
                # Stored before the next getUpdates (with the new offset) lets Telegram forget them.
                await self._intake.accept(self._as_sent(updates), parsed=updates)
            except InvalidToken:
                raise  # nothing will work again until the operator fixes the token
            except RetryAfter as err:
                await self._sleep(retry_after_seconds(err))
                continue
            except TimedOut:
                continue  # a long poll that outlived the read timeout: ask again
            except (NetworkError, Conflict) as err:
                self.healthy = False
                if isinstance(err, Conflict):  # Telegram serves getUpdates to one caller per token
                    log.warning("Telegram getUpdates failed (%s); retrying in %.0f s. Only one process may "
                                "poll with a token: set TELEGRAM_RECEIVE=off on the others, or receive by "
                                "webhook", err, backoff)
                else:
                    log.warning("Telegram getUpdates failed (%s); retrying in %.0f s", err, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            except Exception:  # the inbox could not store them: ask for the same batch again
                log.exception("Telegram updates could not be stored; retrying in %.0f s", backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            backoff = 1.0
            if updates:
                offset = updates[-1].update_id + 1


class Webhook:
    """An HTTP endpoint for Telegram's webhook calls that answers 200 only once the update is stored.

    Any other answer makes Telegram send the update again later, which is what a bot that
    could not store it wants.
    """

    def __init__(self, bot: Bot, intake: Intake, *, host: str, port: int, path: str, url: str,
                 secret: str, allowed_updates: list[str]):
        self._bot, self._intake = bot, intake
        self._host, self._port, self._path, self._url = host, port, "/" + path.lstrip("/"), url
        self._secret, self._allowed = secret, allowed_updates
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the port it listens on (useful when asked for port 0)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        await self._bot.set_webhook(self._url, secret_token=self._secret, allowed_updates=self._allowed)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(_SECRET_HEADER, ""), self._secret):
            return web.Response(status=403)
        try:
            update = await request.json()
            int(update["update_id"])
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        try:
            await self._intake.accept([update])
        except Exception:
            log.exception("Telegram update %s could not be stored; Telegram will send it again", update["update_id"])
            return web.Response(status=503)
        return web.Response()
