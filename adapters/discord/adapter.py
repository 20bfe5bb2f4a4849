"""The Discord adapter's lifecycle: log in, connect, sync commands; close cleanly.

With DISCORD_SHARD_COUNT the gateway side is the shards of this process (AutoShardedClient);
a deliver-only worker logs in for REST and opens no gateway session at all. Either way every
process can post to any channel: a job's destination holds all that REST needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import aiohttp
import discord

from adapters.discord.actions import Actions
from adapters.discord.client import make_client
from adapters.discord.admin import install_admin
from adapters.discord.commands import install_commands
from adapters.discord.settings import install_settings
from adapters.discord.config import DiscordConfig
from adapters.discord.endpoints import point_at, use_gateway
from adapters.discord.messenger import DiscordMessenger
from adapters.discord.outbox import Outbox
from adapters.discord.sync import sync_commands
from bot.rest_check import RestCheck, until_reachable
from bot.config import SettingsError
from bot.core import Core

__all__ = ["DiscordAdapter"]

log = logging.getLogger(__name__)

# what a Discord out of reach raises (discord.py already retried each request a few times)
_UNREACHABLE = (OSError, aiohttp.ClientError, TimeoutError, discord.DiscordServerError)


class DiscordAdapter:
    """`start()` before `core.start()`, so resumed jobs find this messenger; `stop()` closes."""

    def __init__(self, core: Core, config: DiscordConfig, *, clock: Callable[[], float] = time.time):
        self._config = config
        self.actions = Actions(core, admin_ids=config.admin_ids, clock=clock)
        # a worker without a gateway has no shards to run, whatever the shared settings say
        self.client = make_client(self.actions, guild_ready_timeout=config.guild_ready_timeout,
                                  shard_count=config.shard_count if config.gateway else None,
                                  shard_ids=config.shard_ids)
        install_commands(self.client.tree, core.catalog, self.actions)
        install_admin(self.client.tree, core, self.actions)
        install_settings(self.client.tree, core, self.actions)  # a server's own admins
        self.messenger = DiscordMessenger(Outbox(self.client), progress_interval=config.progress_interval,
                                          clock=clock, admin_ids=config.admin_ids)
        core.register("discord", self.messenger)
        self.actions.messenger = self.messenger  # a cancelled job's status edits stop there
        self._restore_endpoints: Callable[[], None] | None = None
        self._connection: asyncio.Task[None] | None = None
        self._rest: RestCheck | None = None  # a deliver-only worker's health (no gateway to go by)
        self._stopping = False

    async def start(self) -> None:
        self._restore_endpoints = point_at(self._config.api_base, self._config.gateway_url)
        try:
            # Discord out of reach (the network not up yet after boot, an outage) is waited for
            await until_reachable("discord", lambda: self.client.login(self._config.token),
                                  transient=_UNREACHABLE, before_retry=self._fresh_session)
        except discord.LoginFailure:
            raise SettingsError("Discord refused DISCORD_TOKEN. Copy the bot's token again from the Developer "
                                "Portal (Bot → Reset Token) into your .env.") from None
        if not self._config.gateway:
            # login() fetched the bot user and application: all that posting, editing and
            # following up through stored interaction tokens needs
            self._rest = RestCheck("discord", self.client.application_info,
                                   interval=self._config.rest_check_interval)
            self._rest.start()
            log.info("discord: delivering only, as %s (no gateway session)", self.client.user)
            return
        if not self._config.gateway_url:
            shards, url, _ = await until_reachable("discord", self.client.http.get_bot_gateway,
                                                   transient=_UNREACHABLE)
            use_gateway(url)
            if self._config.sharded and shards > (self._config.shard_count or 0):
                log.warning("discord: Discord recommends %d shards; DISCORD_SHARD_COUNT is %d",
                            shards, self._config.shard_count)
        self._connection = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._connection.add_done_callback(self._connection_ended)
        await self._until_ready(self._connection)
        assert self.client.application_id is not None  # set by login()
        if self._config.syncs_commands:
            await sync_commands(self.client.tree, self.client.application_id, self._config.guild_ids,
                                self._config.data_dir)
        shards = f", shards {list(self._config.shard_ids or range(self._config.shard_count or 0))} of " \
                 f"{self._config.shard_count}" if self._config.sharded else ""
        log.info("discord: connected as %s (%s)%s", self.client.user, self.client.application_id, shards)

    async def _until_ready(self, connection: asyncio.Task[None]) -> None:
        """Until the gateway session is ready. discord.py reconnects by itself while the gateway
        is out of reach, so a slow start is waited for (a log line each connect_timeout); only a
        refusal (the connection task ending) ends the start."""
        ready = asyncio.create_task(self.client.wait_until_ready())
        waited = 0.0
        try:
            while True:
                done, _ = await asyncio.wait({ready, connection}, timeout=self._config.connect_timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
                if done:
                    break
                waited += self._config.connect_timeout
                log.warning("discord: the gateway is not ready after %.0f s; still trying", waited)
        finally:
            ready.cancel()
        if connection in done:  # the gateway refused us (bad token, disallowed intents…)
            error = connection.exception()
            raise error if error is not None else ConnectionError("the Discord gateway closed at start-up")

    async def _fresh_session(self) -> None:
        """After a failed login: discord.py opens a new HTTP session on the next one, so this
        one (and its connector, which closes with it) must go first."""
        await self.client.http.close()
        self.client.http.connector = discord.utils.MISSING

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        # discord.py reconnects by itself after network trouble; it gives up only when Discord
        # refuses the session (token reset, bot deleted…), which the operator must hear about
        if self._stopping or task.cancelled():
            return
        error = task.exception()
        log.error("discord: the gateway connection ended for good (%s); the bot is offline on Discord "
                  "until reelbot is restarted", error or "closed")

    @property
    def connected(self) -> bool:
        """Every gateway session of this process is up; for a deliver-only worker, the REST
        API answered its last check (for /healthz)."""
        if self._rest is not None:
            return self._rest.healthy
        if self._connection is None or self._connection.done() or not self.client.is_ready():
            return False
        if isinstance(self.client, discord.AutoShardedClient):
            shards = self.client.shards
            return bool(shards) and not any(shard.is_closed() for shard in shards.values())
        ws = self.client.ws
        return ws is not None and ws.open

    async def wait_closed(self) -> None:
        """Return when the gateway connection has ended for good, raising its error if it had one.

        A supervisor (the CLI) can await this beside its stop signal, so that a Discord bot that
        can no longer connect stops the process instead of running on silently offline.
        """
        if self._rest is not None:
            await asyncio.Event().wait()  # REST only: no session to lose
        if self._connection is None:
            raise RuntimeError("the Discord adapter was not started")
        await asyncio.shield(self._connection)

    async def stop(self) -> None:
        self._stopping = True
        try:
            if self._rest is not None:
                await self._rest.stop()
            await self.messenger.close()
            await self.client.close()
            if self._connection is not None:
                with contextlib.suppress(asyncio.CancelledError, discord.DiscordException, OSError):
                    await self._connection
        finally:
            if self._restore_endpoints is not None:
                self._restore_endpoints()
                self._restore_endpoints = None
