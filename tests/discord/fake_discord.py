"""A fake Discord for running the real discord.py in tests: REST API + gateway on 127.0.0.1.

It implements what a slash-command bot touches, with Discord's rules where they matter to
reelbot: interaction tokens that expire after 15 minutes (on the test's clock), the 3-second
deadline for the first response, the first follow-up after a defer resolving the "thinking"
message with the defer's visibility, upload limits answered with 413, channel permissions
answered with 403, allowed_mentions, link previews, command schemas that the test's
invocations must match. Any other route answers 404 and is recorded in `problems`, which
the fixture turns into a failed test.
"""

from __future__ import annotations

import asyncio
import re
import socket
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.discord.fake_discord_gateway import FakeGateway
from tests.discord.fake_discord_payloads import (
    EPHEMERAL,
    LOADING,
    SUPPRESS_EMBEDS,
    FakeFile,
    FakeMessage,
    Snowflakes,
    channel_payload,
    member_payload,
    pings,
    previews,
    user_payload,
)
from tests.discord.fake_discord_rules import (
    DiscordError,
    check_command,
    check_message,
    error_response,
    json_response,
    read_body,
)

__all__ = ["FakeDiscord", "FakeInteraction", "FakeFile", "FakeMessage", "DiscordError"]

TOKEN_LIFETIME = 15 * 60  # seconds an interaction token accepts webhook calls
FIRST_RESPONSE_DEADLINE = 3.0  # seconds Discord waits for the interaction callback
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
ALL_APP_PERMISSIONS = 2251799813685247  # what interactions report the bot may do in the channel
READ_MESSAGE_HISTORY = 1 << 16
_OPTION_TYPES: dict[int, Callable[[Any], bool]] = {
    3: lambda v: isinstance(v, str),
    4: lambda v: isinstance(v, int) and not isinstance(v, bool),
    5: lambda v: isinstance(v, bool),
    6: lambda v: isinstance(v, UserOption),
    10: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    11: lambda v: isinstance(v, FakeFile),
}


@dataclass(frozen=True)
class UserOption:
    """A member picked in a user option (type 6), by the fake's user name."""

    name: str


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    created_at: float  # on the test's clock: the token's lifetime
    received_at: float  # monotonic: the 3-second deadline
    upload_limit: int
    channel_id: int
    guild_id: int | None
    user_id: int
    source_message: FakeMessage | None = None  # the message a clicked button is on
    response_type: int | None = None
    answered_at: float | None = None  # time.monotonic() of the callback (benchmarks)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None  # the form the bot answered with (callback type 9)
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)

    @property
    def messages(self) -> list[FakeMessage]:
        found = [self.original] if self.original is not None else []
        return [m for m in found + self.followups if not m.deleted]


class FakeDiscord:
    def __init__(self, *, clock: Callable[[], float] = time.time, token: str | None = None):
        self.clock = clock
        self.token = token or f"fake.{secrets.token_urlsafe(24)}"
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = user_payload(self.application_id, "reelbot", bot=True)
        self.guild_id = self.ids.next()
        self.channel_id = self.ids.next()
        self.dm_channel_id = self.ids.next()  # the bot's direct messages with a member
        self.channels: dict[int, int | None] = {self.channel_id: self.guild_id, self.dm_channel_id: None}
        self.users: dict[str, dict[str, Any]] = {}
        self.upload_limit = DEFAULT_UPLOAD_LIMIT  # attachment_size_limit of new interactions
        self.channel_upload_limit = DEFAULT_UPLOAD_LIMIT  # a guild without boosts
        self.refuse_uploads_over: int | None = None  # answer 413 beyond this, whatever was reported
        # channel id -> permissions the bot lacks there: "SEND_MESSAGES" (for a DM: the member
        # closed their DMs), "ATTACH_FILES"
        self.missing_permissions: dict[int, set[str]] = {}
        self.post_faults: list[DiscordError] = []  # the next channel posts answer these, in order
        # The next follow-ups / channel posts ARE created, then answered with this status (as a
        # Discord edge can time out after the message exists): a client that retries posts twice.
        self.followup_errors_after_create: list[int] = []
        self.post_errors_after_create: list[int] = []
        self.history_forbidden = False  # the channel's history answers 403 Missing Access
        # the bot lacks Read Message History: Discord answers an empty list, not an error
        self.history_hidden = False
        self.app_permissions = ALL_APP_PERMISSIONS  # what new interactions say the bot may do there
        self.recommended_shards = 1  # what GET /gateway/bot advises
        self.guild_roles = [self.ids.next(), self.ids.next()]  # roles the server has besides @everyone
        self.member_roles: dict[str, list[int]] = {}  # user name -> role ids they hold
        self.locales: dict[str, str] = {}  # user name -> their Discord client's locale (default en-US)
        # user name -> the permissions Discord resolves for them in the channel (default: all)
        self.member_permissions: dict[str, int] = {}
        self.nsfw_channels: set[int] = set()  # channels marked age-restricted
        self._nonces: dict[tuple[int, str], FakeMessage] = {}  # enforce_nonce: a repeat returns the first
        # What the tests inspect:
        self.problems: list[str] = []  # unknown routes and protocol violations
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, json body)
        self.identifies: list[dict[str, Any]] = []
        self.cdn_downloads = 0  # attachment downloads from the CDN
        self.sync_calls: list[tuple[str, list[dict[str, Any]]]] = []  # (scope, commands)
        self.commands: dict[str, dict[str, dict[str, Any]]] = {}  # scope -> name -> command
        self.interactions: dict[str, FakeInteraction] = {}  # by token
        self.messages: dict[int, FakeMessage] = {}
        self._cdn: dict[str, FakeFile] = {}
        self.gateway = FakeGateway(self)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.port = 0  # a test may choose one before start()
        self.sock: socket.socket | None = None  # see start()

    # ---- lifecycle ---------------------------------------------------------------------

    def hold_port(self) -> int:
        """Bind a port now, without listening: connections are refused (as to a host that is
        down) until start() serves on this very socket, so no other process can take it."""
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        return self.port

    async def start(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{path:.*}", self._serve_attachment)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_route("*", "/{path:.*}", self._unknown)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        # a socket the test held (bound, not listening: connections are refused until now), or a new port
        site = (web.SockSite(self._runner, self.sock) if self.sock is not None
                else web.TCPSite(self._runner, "127.0.0.1", self.port))
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.add_user("alice")
        self.add_user("bob")

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.base_url.removeprefix('http://')}/gateway"

    # ---- what tests drive --------------------------------------------------------------

    def add_user(self, name: str) -> dict[str, Any]:
        self.users[name] = user_payload(self.ids.next(), name)
        return self.users[name]

    def user_id(self, name: str) -> str:
        return self.users[name]["id"]

    def upload(self, filename: str, data: bytes, content_type: str | None = "image/png") -> FakeFile:
        """A file on the fake CDN, as if a member had attached it."""
        file = FakeFile(self.ids.next(), filename, content_type, data)
        return self._store(file, self.channel_id)

    def post_message(self, author: str, content: str = "", files: list[FakeFile] = ()) -> FakeMessage:
        """A message a member posted in the test channel (the target of context menus)."""
        message = FakeMessage(self.ids.next(), self.channel_id, self.guild_id, self.users[author],
                              content=content, files=list(files))
        self.messages[message.id] = message
        return message

    async def invoke(self, name: str, *, user: str = "alice", in_guild: bool = True,
                     upload_limit: int | None = None, sub: str | None = None, channel: int | None = None,
                     locale: str | None = None, **options: Any) -> FakeInteraction:
        """A member runs `/name [sub] option=value…`; checked against the schema the bot synced.
        In the test channel, or in `channel` (of a server from add_guild). `locale`: the member's
        Discord client language, sent with the interaction (default: set_locale's, else en-US)."""
        guild_id = (self.channels[channel] if channel is not None else self.guild_id) if in_guild else None
        command = self._synced(name, 1, guild_id)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "resolved": {}}
        if sub is None:
            data["options"] = self._options(command, options)
        else:
            [schema] = [o for o in command.get("options", []) if o["name"] == sub and o["type"] == 1]
            data["options"] = [{"name": sub, "type": 1, "options": self._options(schema, options)}]
        picked = [v.name for v in options.values() if isinstance(v, UserOption)]
        if picked:
            data["resolved"]["users"] = {self.users[n]["id"]: self.users[n] for n in picked}
            data["resolved"]["members"] = {self.users[n]["id"]: {k: v for k, v in member_payload(
                self.users[n]).items() if k != "user"} for n in picked}
        attachments = {str(v.id): v.payload() for v in options.values() if isinstance(v, FakeFile)}
        if attachments:
            data["resolved"]["attachments"] = attachments
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(2, data, user, guild_id, upload_limit, channel_id=channel, locale=locale)

    def add_guild(self, *, shard: int = 0, shard_count: int = 1) -> tuple[int, int]:
        """Another server with one channel, whose id falls on `shard` of `shard_count`;
        returns (guild id, channel id). Add it before the bot connects, as READY lists guilds."""
        guild_id = self.ids.next_on_shard(shard, shard_count)
        channel_id = self.ids.next()
        self.channels[channel_id] = guild_id
        return guild_id, channel_id

    def add_channel(self, *, nsfw: bool = False) -> int:
        """Another channel of the test server (age-restricted with `nsfw`); before the bot connects."""
        channel_id = self.ids.next()
        self.channels[channel_id] = self.guild_id
        if nsfw:
            self.nsfw_channels.add(channel_id)
        return channel_id

    async def invoke_message_command(self, name: str, message: FakeMessage, *, user: str = "alice",
                                     upload_limit: int | None = None, locale: str | None = None) -> FakeInteraction:
        command = self._synced(name, 3, self.guild_id)
        data = {"id": command["id"], "name": name, "type": 3, "target_id": str(message.id),
                "resolved": {"messages": {str(message.id): message.payload()}}}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(2, data, user, self.guild_id, upload_limit, locale=locale)

    async def click(self, message: FakeMessage, custom_id: str, *, user: str = "alice",
                    locale: str | None = None) -> FakeInteraction:
        if custom_id not in message.custom_ids():
            raise AssertionError(f"message {message.id} has no button {custom_id!r}: {message.custom_ids()}")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, data, user, message.guild_id, None, source=message, locale=locale)

    async def submit_modal(self, opened: FakeInteraction, values: Mapping[str, str], *,
                           user: str = "alice") -> FakeInteraction:
        """The member fills in and submits the form the bot opened in answer to `opened`;
        checked against the form's own limits, as Discord's client does."""
        modal = opened.modal
        if modal is None:
            raise AssertionError(f"interaction {opened.id} was not answered with a modal")
        inputs = {c["custom_id"]: c for c in _text_inputs(modal["components"])}
        if set(values) - set(inputs):
            raise AssertionError(f"the modal has no field(s) {sorted(set(values) - set(inputs))}")
        rows = []
        for custom_id, field_ in inputs.items():
            value = values.get(custom_id, field_.get("value", ""))
            if field_.get("required", True) and not value:
                raise AssertionError(f"field {custom_id} is required")
            if value and not field_.get("min_length", 0) <= len(value) <= field_.get("max_length", 4000):
                raise AssertionError(f"field {custom_id}: {len(value)} characters is outside "
                                     f"{field_.get('min_length', 0)}..{field_.get('max_length', 4000)}")
            rows.append({"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]})
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._interact(5, data, user, opened.guild_id, None, source=opened.source_message)

    async def autocomplete(self, name: str, focused: str, *, user: str = "alice",
                           **options: Any) -> list[dict[str, Any]]:
        """What the bot suggests while a member types `focused` (options are raw text)."""
        command = self._synced(name, 1, self.guild_id)
        known = {o["name"]: o for o in command.get("options", [])}
        if not known.get(focused, {}).get("autocomplete"):
            raise AssertionError(f"/{name} {focused} does not autocomplete")
        data = {"id": command["id"], "name": name, "type": 1,
                "options": [{"name": k, "type": known[k]["type"], "value": v, "focused": k == focused}
                            for k, v in options.items()]}
        interaction = await self._interact(4, data, user, self.guild_id, None)
        await self.wait_for(lambda: interaction.choices is not None, what="autocomplete choices")
        return interaction.choices or []

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 10.0, what: str = "") -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(f"timed out waiting for {what or predicate}") from None

    async def dismiss(self, interaction: FakeInteraction) -> None:
        """The member clicks "Dismiss message" on the interaction's ephemeral response."""
        assert interaction.original is not None and interaction.original.ephemeral
        interaction.original.deleted = True
        await self.changed()

    async def changed(self) -> None:
        """Wake every test waiting on the fake's state."""
        async with self._changed:
            self._changed.notify_all()

    async def result_of(self, interaction: FakeInteraction, *, timeout: float = 10.0) -> FakeMessage:
        """The public follow-up that answered `interaction` (waits for it)."""
        def public() -> list[FakeMessage]:
            return [m for m in interaction.followups if not m.ephemeral and not m.deleted]
        await self.wait_for(lambda: public(), timeout=timeout, what=f"a public follow-up to {interaction.id}")
        return public()[0]

    async def status_of(self, interaction: FakeInteraction, words: str, *, timeout: float = 10.0) -> FakeMessage:
        """The interaction's own response once its text contains `words` (waits for it)."""
        def shows() -> bool:
            return interaction.original is not None and words in interaction.original.text
        await self.wait_for(shows, timeout=timeout, what=f"the response to {interaction.id} to show {words!r}")
        assert interaction.original is not None
        return interaction.original

    def channel_messages(self, channel_id: int | None = None) -> list[FakeMessage]:
        """Messages the bot posted in a channel itself (not through an interaction)."""
        channel_id = channel_id or self.channel_id
        return [m for m in self.messages.values()
                if m.channel_id == channel_id and m.webhook_id is None
                and m.author["id"] == self.bot_user["id"] and not m.deleted]

    def pings(self, message: FakeMessage) -> set[str]:
        return pings(message.content, message.allowed_mentions)

    def previews(self, message: FakeMessage) -> set[str]:
        return previews(message.content, message.flags)

    def channel_posts(self, channel_id: int | None = None) -> int:
        """How many times the bot tried to post in a channel itself, refused or not."""
        path = f"/channels/{channel_id or self.channel_id}/messages"
        return sum(1 for method, p, _ in self.requests if (method, p) == ("POST", path))

    # ---- interactions ------------------------------------------------------------------

    def _synced(self, name: str, kind: int, guild_id: int | None) -> dict[str, Any]:
        for scope in ([str(guild_id)] if guild_id else []) + ["global"]:
            command = self.commands.get(scope, {}).get(f"{kind}:{name}")
            if command is not None:
                return command
        raise AssertionError(f"command {name!r} (type {kind}) was never synced; synced: {self.commands}")

    def _options(self, command: Mapping[str, Any], given: Mapping[str, Any]) -> list[dict[str, Any]]:
        schema = {o["name"]: o for o in command.get("options", [])}
        unknown = set(given) - set(schema)
        if unknown:
            raise AssertionError(f"/{command['name']} has no option(s) {sorted(unknown)}")
        missing = [n for n, o in schema.items() if o.get("required") and n not in given]
        if missing:
            raise AssertionError(f"/{command['name']} needs {missing}")
        out = []
        for name, value in given.items():
            option = schema[name]
            if not _OPTION_TYPES.get(option["type"], lambda v: False)(value):
                raise AssertionError(f"option {name} is type {option['type']}, got {value!r}")
            choices = [c["value"] for c in option.get("choices", [])]
            if choices and value not in choices:
                raise AssertionError(f"option {name} must be one of {choices}, got {value!r}")
            raw = (str(value.id) if isinstance(value, FakeFile) else
                   self.users[value.name]["id"] if isinstance(value, UserOption) else value)
            out.append({"name": name, "type": option["type"], "value": raw})
        return out

    async def _interact(self, kind: int, data: dict[str, Any], user: str, guild_id: int | None,
                        upload_limit: int | None, source: FakeMessage | None = None,
                        channel_id: int | None = None, locale: str | None = None) -> FakeInteraction:
        session = self.gateway.ready_session(guild_id)
        if session is None:
            raise AssertionError(f"no bot is connected to the gateway for guild {guild_id}")
        channel_id = (source.channel_id if source else self.dm_channel_id if guild_id is None
                      else channel_id or self.channel_id)
        interaction = FakeInteraction(
            self.ids.next(), f"itoken.{secrets.token_urlsafe(32)}", kind, self.clock(), time.monotonic(),
            upload_limit or self.upload_limit, channel_id, guild_id, int(self.user_id(user)),
            source_message=source)
        self.interactions[interaction.token] = interaction
        payload: dict[str, Any] = {
            "id": str(interaction.id), "application_id": str(self.application_id), "type": kind,
            "token": interaction.token, "version": 1, "data": data,
            "channel_id": str(channel_id),
            # a DM channel in an interaction comes without its recipients
            "channel": channel_payload(channel_id, guild_id, "general", nsfw=channel_id in self.nsfw_channels)
            if guild_id else
            {"id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0},
            "app_permissions": str(self.app_permissions), "locale": locale or self.locales.get(user, "en-US"), "entitlements": [],
            "attachment_size_limit": interaction.upload_limit,
            "context": 0 if guild_id else 1,
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
        }
        if guild_id:
            member = member_payload(self.users[user], self.member_roles.get(user))
            if user in self.member_permissions:
                member["permissions"] = str(self.member_permissions[user])
            payload |= {"guild_id": str(guild_id), "guild_locale": "en-US", "member": member}
        else:
            payload["user"] = self.users[user]
        if source is not None:
            payload["message"] = source.payload()
        await session.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def _interaction(self, token: str, *, for_webhook: bool) -> FakeInteraction:
        interaction = self.interactions.get(token)
        if interaction is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token") if for_webhook else \
                DiscordError(404, 10062, "Unknown interaction")
        if for_webhook and self.clock() - interaction.created_at > TOKEN_LIFETIME:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    # ---- REST --------------------------------------------------------------------------

    async def _unknown(self, request: web.Request) -> web.Response:
        self.problems.append(f"unknown route {request.method} {request.path}")
        return error_response(DiscordError(404, 0, "404: Not Found"))

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body, files = await read_body(request)
        self.requests.append((request.method, path, body))
        try:
            for method, pattern, handler, authed in self._routes():
                match = re.fullmatch(pattern, path)
                if match and method == request.method:
                    if authed and request.headers.get("Authorization") != f"Bot {self.token}":
                        raise DiscordError(401, 0, "401: Unauthorized")
                    result = await handler(*match.groups(), body=body, files=files, query=request.query)
                    break
            else:
                self.problems.append(f"unknown route {request.method} {path}")
                raise DiscordError(404, 0, "404: Not Found")
        except DiscordError as err:
            return error_response(err)
        finally:
            await self.changed()
        if result is None:
            return web.Response(status=204)
        return json_response(result)

    def _routes(self) -> list[tuple[str, str, Callable[..., Any], bool]]:
        app = str(self.application_id)
        return [
            ("GET", r"/users/@me", self._me, True),
            ("GET", r"/oauth2/applications/@me", self._application, True),
            ("GET", r"/gateway/bot", self._gateway_bot, True),
            ("GET", r"/gateway", self._gateway_info, False),
            ("PUT", rf"/applications/({app})/commands", self._sync_global, True),
            ("GET", rf"/applications/({app})/commands", self._list_global, True),
            ("PUT", rf"/applications/({app})/guilds/(\d+)/commands", self._sync_guild, True),
            ("GET", rf"/applications/({app})/guilds/(\d+)/commands", self._list_guild, True),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback, False),
            ("POST", rf"/webhooks/{app}/([^/]+)", self._followup, False),
            ("GET", rf"/webhooks/{app}/([^/]+)/messages/(@original|\d+)", self._get_webhook_message, False),
            ("PATCH", rf"/webhooks/{app}/([^/]+)/messages/(@original|\d+)", self._edit_webhook_message, False),
            ("DELETE", rf"/webhooks/{app}/([^/]+)/messages/(@original|\d+)", self._delete_webhook_message,
             False),
            ("POST", r"/channels/(\d+)/messages", self._channel_message, True),
            ("GET", r"/channels/(\d+)/messages", self._channel_history, True),
            ("POST", r"/users/@me/channels", self._open_dm, True),
        ]

    async def _me(self, **_: Any) -> dict[str, Any]:
        return self.bot_user

    async def _application(self, **_: Any) -> dict[str, Any]:
        return {
            "id": str(self.application_id), "name": "reelbot", "icon": None, "description": "",
            "rpc_origins": [], "bot_public": True, "bot_require_code_grant": False,
            "bot": self.bot_user, "owner": self.users["alice"], "summary": "", "verify_key": "0" * 64,
            "team": None, "flags": 0, "interactions_endpoint_url": None, "redirect_uris": [],
        }

    async def _gateway_bot(self, **_: Any) -> dict[str, Any]:
        return {"url": self.gateway_url, "shards": self.recommended_shards,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                        "max_concurrency": 1}}

    async def _gateway_info(self, **_: Any) -> dict[str, Any]:
        return {"url": self.gateway_url}

    async def _sync_global(self, app: str, *, body: Any, **_: Any) -> list[dict[str, Any]]:
        return self._sync("global", body, None)

    async def _sync_guild(self, app: str, guild: str, *, body: Any, **_: Any) -> list[dict[str, Any]]:
        if int(guild) not in self.channels.values():
            raise DiscordError(403, 50001, "Missing Access")
        return self._sync(guild, body, guild)

    async def _list_global(self, app: str, **_: Any) -> list[dict[str, Any]]:
        return list(self.commands.get("global", {}).values())

    async def _list_guild(self, app: str, guild: str, **_: Any) -> list[dict[str, Any]]:
        return list(self.commands.get(guild, {}).values())

    def _sync(self, scope: str, body: Any, guild: str | None) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            raise DiscordError(400, 50035, "Invalid Form Body")
        commands = {}
        for raw in body:
            check_command(raw)
            command = dict(raw, id=str(self.ids.next()), application_id=str(self.application_id),
                           version=str(self.ids.next()))
            # what Discord fills in for fields a command leaves out
            for key, default in (("type", 1), ("description", ""), ("default_member_permissions", None),
                                 ("nsfw", False), ("integration_types", [0]), ("contexts", None)):
                if command.get(key) is None:
                    command[key] = default
            if guild is not None:
                command["guild_id"] = guild
            commands[f"{command['type']}:{command['name']}"] = command
        self.sync_calls.append((scope, body))
        self.commands[scope] = commands
        return list(commands.values())

    async def _callback(self, interaction_id: str, token: str, *, body: Any, files: list[FakeFile],
                        query: Mapping[str, str]) -> dict[str, Any] | None:
        interaction = self._interaction(token, for_webhook=False)
        if str(interaction.id) != interaction_id:
            raise DiscordError(404, 10062, "Unknown interaction")
        if interaction.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.received_at > FIRST_RESPONSE_DEADLINE:
            self.problems.append(f"interaction {interaction.id} answered after {FIRST_RESPONSE_DEADLINE}s")
            raise DiscordError(404, 10062, "Unknown interaction")
        kind, data = body.get("type"), body.get("data") or {}
        interaction.response_type, interaction.answered_at = kind, time.monotonic()
        message = None
        if kind == 8:
            interaction.choices = data.get("choices", [])
        elif kind in (4, 5):
            flags = (data.get("flags", 0) & EPHEMERAL) | (LOADING if kind == 5 else 0)
            message = self._new_message(interaction, flags)
            self._apply(message, data, files, interaction.upload_limit)
            interaction.original = message
        elif kind == 9 and interaction.type in (2, 3):
            self._check_modal(data)
            interaction.modal = data
        elif kind in (6, 7) and interaction.source_message is not None:
            interaction.original = message = interaction.source_message
            if kind == 7:
                self._apply(message, data, files, interaction.upload_limit)
        else:
            self.problems.append(f"unexpected callback type {kind} for interaction type {interaction.type}")
            raise DiscordError(400, 50035, "Invalid Form Body")
        if query.get("with_response") not in ("1", "true", "True"):
            return None
        answer: dict[str, Any] = {"interaction": {
            "id": str(interaction.id), "type": interaction.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and message.ephemeral)}}
        if message is not None:
            answer["interaction"]["response_message_id"] = str(message.id)
            answer["resource"] = {"type": kind, "message": message.payload()}
        return answer

    def _check_modal(self, data: Mapping[str, Any]) -> None:
        """Discord's limits for a modal (it refuses the whole response otherwise)."""
        problems = []
        if not 1 <= len(data.get("title") or "") <= 45:
            problems.append("modal title must be 1-45 characters")
        if not 1 <= len(data.get("custom_id") or "") <= 100:
            problems.append("modal custom_id must be 1-100 characters")
        inputs = list(_text_inputs(data.get("components") or []))
        if not 1 <= len(inputs) <= 5:
            problems.append("a modal holds 1-5 text inputs")
        for field_ in inputs:
            low, high = field_.get("min_length", 0), field_.get("max_length", 4000)
            if not (0 <= low <= high <= 4000 and len(field_.get("value") or "") <= high
                    and 1 <= len(field_.get("label") or "") <= 45):
                problems.append(f"text input {field_.get('custom_id')} breaks Discord's limits: {field_}")
        if problems:
            self.problems.extend(problems)
            raise DiscordError(400, 50035, "Invalid Form Body")

    async def _followup(self, token: str, *, body: Any, files: list[FakeFile],
                        query: Mapping[str, str]) -> dict[str, Any]:
        interaction = self._interaction(token, for_webhook=True)
        if interaction.response_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        original = interaction.original
        if original is not None and original.loading and not original.deleted:
            # Discord: a follow-up sent while the defer is still "thinking" resolves it, and
            # keeps the defer's visibility whatever flags it asks for.
            self._apply(original, body, files, interaction.upload_limit)
            original.flags &= ~LOADING
            return original.payload()
        message = self._new_message(interaction, body.get("flags", 0) & EPHEMERAL)
        self._apply(message, body, files, interaction.upload_limit)
        interaction.followups.append(message)
        if self.followup_errors_after_create:
            status = self.followup_errors_after_create.pop(0)
            raise DiscordError(status, 0, f"{status}: created, but the answer was lost")
        return message.payload()

    def _webhook_message(self, token: str, message_id: str) -> tuple[FakeInteraction, FakeMessage]:
        interaction = self._interaction(token, for_webhook=True)
        if message_id == "@original":
            message = interaction.original
        else:
            message = next((m for m in interaction.messages if str(m.id) == message_id), None)
        if message is None or message.deleted:
            raise DiscordError(404, 10008, "Unknown Message")
        return interaction, message

    async def _get_webhook_message(self, token: str, message_id: str, **_: Any) -> dict[str, Any]:
        return self._webhook_message(token, message_id)[1].payload()

    async def _edit_webhook_message(self, token: str, message_id: str, *, body: Any, files: list[FakeFile],
                                    **_: Any) -> dict[str, Any]:
        interaction, message = self._webhook_message(token, message_id)
        self._apply(message, body, files, interaction.upload_limit)
        message.flags &= ~LOADING
        return message.payload()

    async def _delete_webhook_message(self, token: str, message_id: str, **_: Any) -> None:
        self._webhook_message(token, message_id)[1].deleted = True

    async def _channel_message(self, channel_id: str, *, body: Any, files: list[FakeFile],
                               **_: Any) -> dict[str, Any]:
        if int(channel_id) not in self.channels:
            raise DiscordError(404, 10003, "Unknown Channel")
        missing = self.missing_permissions.get(int(channel_id), set())
        if "SEND_MESSAGES" in missing:
            raise DiscordError(403, 50013, "Missing Permissions") if self.channels[int(channel_id)] else \
                DiscordError(403, 50007, "Cannot send messages to this user")
        if files and "ATTACH_FILES" in missing:
            raise DiscordError(403, 50013, "Missing Permissions")
        if self.post_faults:
            raise self.post_faults.pop(0)
        if body.get("flags", 0) & EPHEMERAL:
            self.problems.append("ephemeral flag on a channel message")
        nonce = (int(channel_id), str(body.get("nonce"))) if body.get("enforce_nonce") else None
        if nonce in self._nonces:
            return self._nonces[nonce].payload()  # Discord: the same nonce again is the same message
        message = FakeMessage(self.ids.next(), int(channel_id), self.channels[int(channel_id)], self.bot_user)
        self._apply(message, body, files, self.channel_upload_limit)
        self.messages[message.id] = message
        if nonce is not None:
            self._nonces[nonce] = message
        if self.post_errors_after_create:
            status = self.post_errors_after_create.pop(0)
            raise DiscordError(status, 0, f"{status}: created, but the answer was lost")
        return message.payload()

    async def _open_dm(self, *, body: Any, **_: Any) -> dict[str, Any]:
        recipient = next((u for u in self.users.values() if u["id"] == str(body.get("recipient_id"))),
                         user_payload(int(body.get("recipient_id", 0)), "someone"))
        return {"id": str(self.dm_channel_id), "type": 1, "recipients": [recipient], "last_message_id": None}

    async def _channel_history(self, channel_id: str, *, query: Mapping[str, str], **_: Any) -> list[dict[str, Any]]:
        if int(channel_id) not in self.channels:
            raise DiscordError(404, 10003, "Unknown Channel")
        if self.history_forbidden:
            raise DiscordError(403, 50001, "Missing Access")
        if self.history_hidden:
            return []
        limit = min(100, int(query.get("limit", 50)))
        found = [m for m in self.messages.values()
                 if m.channel_id == int(channel_id) and not m.deleted and not m.ephemeral]
        return [m.payload() for m in sorted(found, key=lambda m: m.id, reverse=True)[:limit]]

    def _new_message(self, interaction: FakeInteraction, flags: int) -> FakeMessage:
        message = FakeMessage(self.ids.next(), interaction.channel_id, interaction.guild_id, self.bot_user,
                              flags=flags, webhook_id=self.application_id, application_id=self.application_id,
                              interaction_token=interaction.token)
        self.messages[message.id] = message
        return message

    def _apply(self, message: FakeMessage, body: Mapping[str, Any], files: list[FakeFile], limit: int) -> None:
        """Create or edit `message` from a message body, as Discord merges edits."""
        if self.refuse_uploads_over is not None:
            limit = min(limit, self.refuse_uploads_over)
        too_big = [f.filename for f in files if len(f.data) > limit]
        if too_big:
            raise DiscordError(413, 40005, "Request entity too large")
        check_message(body)
        message.history.append(dict(body))
        message.history_at.append(time.monotonic())
        if "flags" in body:  # of the flags a body sets, only this one can change after creation
            message.flags = (message.flags & ~SUPPRESS_EMBEDS) | (body["flags"] & SUPPRESS_EMBEDS)
        for key, empty in (("content", ""), ("embeds", []), ("components", []), ("allowed_mentions", None)):
            if key in body:
                setattr(message, key, empty if body[key] is None else body[key])
        if "attachments" in body:
            keep = {str(a.get("id")) for a in body["attachments"] or []}
            message.files = [f for f in message.files if str(f.id) in keep]
        for file in files:
            message.files.append(self._store(file, message.channel_id))

    def _store(self, file: FakeFile, channel_id: int) -> FakeFile:
        file.url = f"{self.base_url}/attachments/{channel_id}/{file.id}/{file.filename}"
        self._cdn[f"{channel_id}/{file.id}/{file.filename}"] = file
        return file

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        file = self._cdn.get(request.match_info["path"])
        self.cdn_downloads += 1
        if file is None:
            return web.Response(status=404)
        return web.Response(body=file.data, content_type=file.content_type or "application/octet-stream")


def _text_inputs(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text inputs (type 4) of a modal, in action rows (type 1) or labels (type 18)."""
    found = []
    for component in components:
        if component.get("type") == 4:
            found.append(component)
        found += _text_inputs(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            found += _text_inputs([component["component"]])
    return found
