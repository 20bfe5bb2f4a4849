"""The operator's web console as a process of its own (`reelbot console-web`, for a host that
only looks and acts through the store), or beside the bot (`reelbot run` with
REELBOT_CONSOLE_LISTEN). Either way it opens the database as `reelbot admin` does
(bot.bootstrap.open_desk: no runner, no 302.AI client), so any number of them share it."""

from __future__ import annotations

import logging

from adapters.web import ConsoleWeb
from bot.bootstrap import open_desk
from bot.config import Settings
from bot.logs import setup_logging
from entrypoints import exits
from entrypoints.ops import parse_listen
from entrypoints.signals import until_signalled

__all__ = ["ConsoleService", "console_web_command"]

log = logging.getLogger("reelbot")


class ConsoleService:
    """The console's desk and listener, started and stopped together."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._desk = None
        self.web: ConsoleWeb | None = None

    async def start(self) -> None:
        listen = parse_listen(self._settings.console_listen or "127.0.0.1:9103")
        if not self._settings.console_listen or self._settings.console_listen.startswith(":"):
            listen = ("127.0.0.1", listen[1])  # every address only when the operator writes one
        self._desk = await open_desk(self._settings)
        self.web = ConsoleWeb(self._desk, self._settings, listen)
        try:
            await self.web.start()
        except OSError as err:
            await self.stop()
            raise exits.Failure(exits.LISTEN, f"cannot listen on REELBOT_CONSOLE_LISTEN="
                                f"{self._settings.console_listen}: {err.strerror or err}") from None

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
        if self._desk is not None:
            await self._desk.close()
            self._desk = None


async def console_web_command(args, settings: Settings, env) -> int:
    setup_logging(settings.log_level, [settings.api_key], settings.log_format)
    service = ConsoleService(settings)
    await service.start()
    address = settings.console_url or f"http://{service.web.host}:{service.web.port}"  # the real port
    print(f"reelbot console on {address} (log in: reelbot admin console-login); Ctrl-C to stop", flush=True)
    try:
        await until_signalled()
    finally:
        await service.stop()
    return 0
