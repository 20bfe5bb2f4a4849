"""A fake Telegram Bot API server for end-to-end tests of the real python-telegram-bot.

It speaks the Bot API's HTTP protocol on 127.0.0.1 (point PTB at it with `base_url` and
`base_file_url`) and keeps the state a chat member would see: the messages of each chat,
their current text after edits, the files behind every file_id. Tests play the member
with `send_text`, `send_photo`, `send_document` and `press`, and read what the bot did
from `calls` and `chat`. Tests also play Telegram's bad days: `fail_next` (any method, or
"download" for the file server), `answer_slowly`, a bot kicked from a chat, a deleted chat,
a group upgraded to a supergroup, a file of unknown size.

Updates behave as Telegram's do: one stays on the server, and comes again with every
getUpdates, until the bot asks for an offset above its id; a webhook call that is not
answered 200 leaves it there too. `redeliver` plays Telegram sending one again (the bot died
before confirming it, or a webhook answer was lost). `clock` stamps every call, so a test can
run the bot on a fake clock and read when each call arrived by it.

Like the real service it is strict: HTML that Telegram would refuse, an edit that changes
nothing, a caption over 1024 characters and an upload over the limit get the same 400/413
answers. A method it does not know fails loudly: it answers 404 and lands in `unknown`,
and every error a test did not ask for lands in `errors`, which the fixture checks.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import io
import itertools
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from PIL import Image

from tests.telegram.fake_limits import TelegramLimits
from tests.telegram.fake_media_group import MediaGroups

__all__ = ["FakeBotApi", "Call", "ApiError"]

MB = 1024 * 1024
JSON_FIELDS = {"reply_markup", "reply_parameters", "commands", "scope", "allowed_updates",
               "entities", "caption_entities", "link_preview_options", "prices"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "cache_time", "user_id"}
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
         "tg-spoiler", "tg-emoji", "blockquote"}
_TAG = re.compile(r"</?([a-z-]+)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@\w+)?")


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float  # time.monotonic() when the request arrived
    result: Any = None
    error: ApiError | None = None
    content_type: str = ""  # how the call's parameters came: JSON, a form, multipart
    filenames: dict[str, str] = field(default_factory=dict)  # an uploaded file's name, by part


@dataclass
class StoredFile:
    data: bytes
    path: str
    unique_id: str
    stream_size: int | None = None  # set: a file of unknown size, served as this many zero bytes


@dataclass
class _Fault:
    method: str
    error: ApiError
    times: int


@dataclass
class FakeBotApi(MediaGroups):  # sendMediaGroup: tests/telegram/fake_media_group.py
    token: str
    username: str = "ReelTestBot"
    bot_id: int = 7000001
    upload_limit: int = 50 * MB  # multipart uploads (a self-hosted server allows 2000 MB)
    url_fetch_limit: int = 20 * MB  # files Telegram fetches itself from a URL
    download_limit: int = 20 * MB  # getFile refuses bigger files
    calls: list[Call] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (method, description) not injected
    commands: list[dict] = field(default_factory=list)  # the menu for every language (no language_code)
    commands_by_language: dict[str, list[dict]] = field(default_factory=dict)  # language_code -> menu
    # the menus of other scopes: (scope type, language_code or "") -> menu
    commands_by_scope: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    webhook: dict | None = None
    webhook_port: int | None = None  # where webhook calls go (on 127.0.0.1), whatever URL the bot set
    webhook_answers: list[int] = field(default_factory=list)  # HTTP status of every webhook call
    clock: Callable[[], float] = time.monotonic
    limits: TelegramLimits | None = None  # set: Telegram's message budgets are enforced (429s)

    def __post_init__(self) -> None:
        self._updates: list[dict] = []
        self.pushed: list[dict] = []  # every update ever sent, in order
        self.left_chats: list[int] = []  # chats the bot left (leaveChat)
        self.reply_clock: dict[tuple[int, int], float] = {}  # message -> perf_counter when stored
        self.pre_checkout_answers: dict[str, dict | None] = {}  # query id -> the bot's answer
        self.refunded_charges: list[str] = []  # refundStarPayment
        # chat id -> {user id: "creator" | "administrator"}: what getChatMember answers (else "member")
        self.chat_admins: dict[int, dict[int, str]] = {}
        self._thumbnails: dict[bytes, tuple[bytes, tuple[int, int], tuple[int, int]]] = {}
        self.reactions: dict[tuple[int, int], list[str]] = {}  # message -> the bot's reaction emoji
        self.reaction_clock: dict[tuple[int, int], float] = {}  # message -> perf_counter when reacted to
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        # message ids per chat, in order: chat() must not sort every message of every chat
        # (benchmarks ask after thousands of replies)
        self._chat_ids: dict[int, list[int]] = {}
        self._versions: dict[tuple[int, int], list[str]] = {}
        self._files: dict[str, StoredFile] = {}
        self._faults: list[_Fault] = []
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._slow: dict[str, float] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self.held: list[Call] = []  # calls that arrived while their method was held
        self._chat_errors: dict[int, ApiError] = {}
        self.served: dict[str, int] = {}  # file_id -> bytes the file server sent
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._closing = False
        self.port = 0
        self.sock: socket.socket | None = None  # see start()

    # ---- lifecycle -------------------------------------------------------------------

    def hold_port(self) -> int:
        """Bind a port now, without listening: connections are refused (as to a host that is
        down) until start() serves on this very socket, so no other process can take it."""
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        return self.port

    async def start(self) -> None:
        app = web.Application(client_max_size=self.upload_limit + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # a socket the test held (bound, not listening: connections are refused until now), or a new port
        site = (web.SockSite(self._runner, self.sock) if self.sock is not None
                else web.TCPSite(self._runner, "127.0.0.1", self.port))  # 0 unless a test chose one
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._client = aiohttp.ClientSession()

    async def close(self) -> None:
        # Release pending long polls at once, or the server's shutdown waits for them.
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._client:
            await self._client.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Reel", "username": self.username}

    # ---- the member's side -----------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "Ann", username: str | None = None,
             language_code: str | None = None) -> dict:
        """A member; `language_code` is their app's language as Telegram sends it (e.g. "zh-hans")."""
        return {"id": user_id, "is_bot": False, "first_name": first_name,
                **({"username": username} if username else {}),
                **({"language_code": language_code} if language_code else {})}

    @staticmethod
    def private_chat(user: dict) -> dict:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    @staticmethod
    def group_chat(chat_id: int = -1001234567890, title: str = "Film club", kind: str = "supergroup") -> dict:
        """A supergroup; `kind="group"` for a basic group (they have short ids, e.g. -4001)."""
        return {"id": chat_id, "type": kind, "title": title}

    async def send_text(self, user: dict, chat: dict, text: str, *, reply_to: dict | None = None) -> dict:
        message = self._user_message(user, chat, reply_to)
        message["text"] = text
        if entity := self._command_entity(text):
            message["entities"] = [entity]
        await self._push({"message": message})
        return message

    async def send_photo(self, user: dict, chat: dict, data: bytes, *, caption: str | None = None,
                         reply_to: dict | None = None) -> dict:
        message = self._user_message(user, chat, reply_to)
        message["photo"] = self._photo_sizes(data)
        return await self._post_with_caption(message, caption)

    async def send_document(self, user: dict, chat: dict, data: bytes, *, file_name: str, mime_type: str,
                            caption: str | None = None, declared_size: int | None = None) -> dict:
        """A file sent "as a file"; `declared_size` pretends it is bigger than `data`."""
        message = self._user_message(user, chat, None)
        file_id, unique = self.store_file(data, f"documents/{file_name}")
        message["document"] = {"file_id": file_id, "file_unique_id": unique, "file_name": file_name,
                               "mime_type": mime_type, "file_size": declared_size or len(data)}
        return await self._post_with_caption(message, caption)

    async def send_unsized_document(self, user: dict, chat: dict, size: int, *, file_name: str,
                                    mime_type: str, caption: str | None = None) -> dict:
        """A file whose size Telegram does not report (the Bot API marks `file_size` optional,
        and a self-hosted server serves files of any size); downloading it yields `size` bytes."""
        message = self._user_message(user, chat, None)
        file_id, unique = self.store_file(b"", f"documents/{file_name}")
        self._files[file_id].stream_size = size
        message["document"] = {"file_id": file_id, "file_unique_id": unique, "file_name": file_name,
                               "mime_type": mime_type}
        return await self._post_with_caption(message, caption)

    async def send_album(self, user: dict, chat: dict, photos: list[bytes], *, caption: str,
                         caption_on: tuple[int, ...] = (0,)) -> list[dict]:
        """A photo album: one update per picture sharing `media_group_id`, as Telegram sends
        it, with `caption` on the pictures `caption_on`; all pushed before the bot can fetch any."""
        messages = self.album_messages(user, chat, photos, caption=caption, caption_on=caption_on)
        for message in messages:
            await self._push({"message": message})
        return messages

    def album_messages(self, user: dict, chat: dict, photos: list[bytes], *, caption: str,
                       caption_on: tuple[int, ...] = (0,)) -> list[dict]:
        """An album's messages, in this chat's history but not (yet) sent to the bot as updates."""
        group = str(next(self._file_ids) * 1_000_003)
        messages = []
        for n, data in enumerate(photos):
            message = self._user_message(user, chat, None)
            message["media_group_id"] = group
            message["photo"] = self._photo_sizes(data)
            if n in caption_on:
                message["caption"] = caption
                if entity := self._command_entity(caption):
                    message["caption_entities"] = [entity]
            messages.append(self._store(message))
        return messages

    async def send_video(self, user: dict, chat: dict, data: bytes, *, caption: str | None = None,
                         declared_size: int | None = None) -> dict:
        """A video message; `declared_size` pretends it is bigger than `data`."""
        message = self._user_message(user, chat, None)
        file_id, unique = self.store_file(data, "videos/clip.mp4")
        message["video"] = {"file_id": file_id, "file_unique_id": unique, "width": 640, "height": 360,
                            "duration": 2, "mime_type": "video/mp4", "file_size": declared_size or len(data)}
        return await self._post_with_caption(message, caption)

    async def _post_with_caption(self, message: dict, caption: str | None) -> dict:
        if caption is not None:
            message["caption"] = caption
            if entity := self._command_entity(caption):
                message["caption_entities"] = [entity]
        await self._push({"message": message})
        return message

    async def press(self, user: dict, message: dict, data: str) -> str:
        """Press the inline button with callback `data` under `message`; returns the query id."""
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        assert any(b.get("callback_data") == data for b in buttons), f"no button {data!r} under the message"
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        query = {"id": query_id, "from": user, "chat_instance": "42", "data": data, "message": message}
        await self._push({"callback_query": query})
        return query_id

    async def pay(self, user: dict, invoice: dict, *, tamper: int = 0) -> str | None:
        """Pay an invoice the bot sent, as Telegram does: a pre-checkout query first; only when
        the bot answers ok (within 10 s) the payment is made and a successful_payment message
        arrives. Returns the charge id, or None when the bot declined. `tamper` changes the
        amount asked (an invoice whose price no longer holds)."""
        details = invoice["invoice_details"]
        query_id = f"pcq-{next(self._callback_ids)}"
        self.pre_checkout_answers[query_id] = None
        await self._push({"pre_checkout_query": {
            "id": query_id, "from": user, "currency": details["currency"],
            "total_amount": details["total_amount"] + tamper, "invoice_payload": details["payload"]}})
        await self.wait_until(lambda: self.pre_checkout_answers[query_id] is not None, timeout=10)
        if not self.pre_checkout_answers[query_id]["ok"]:
            return None
        charge = f"stxcharge{next(self._callback_ids)}"
        message = self._user_message(user, invoice["chat"], None)
        message["successful_payment"] = {
            "currency": details["currency"], "total_amount": details["total_amount"] + tamper,
            "invoice_payload": details["payload"], "telegram_payment_charge_id": charge,
            "provider_payment_charge_id": charge}
        await self._push({"message": message})
        return charge

    def kick_bot(self, chat: dict) -> None:
        """Someone removes the bot from the group (or, in a private chat, blocks it)."""
        self._chat_errors[chat["id"]] = ApiError(403, "Forbidden: bot was kicked from the group chat")

    def delete_chat(self, chat: dict) -> None:
        self._chat_errors[chat["id"]] = ApiError(400, "Bad Request: chat not found")

    def migrate(self, group: dict, by: dict, new_id: int = -1009876543210) -> dict:
        """An admin upgrades a basic group to a supergroup: it gets a new chat id, and Telegram
        refuses everything sent to the old one, naming the new id. Returns the new chat."""
        supergroup = {**group, "id": new_id, "type": "supergroup"}
        self._chat_errors[group["id"]] = ApiError(
            400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_id})
        service = self._user_message(by, supergroup, None)
        service["migrate_from_chat_id"] = group["id"]
        self._store(service)
        return supergroup

    def answer_slowly(self, method: str, seconds: float) -> None:
        """Telegram does the work of `method` at once but answers only `seconds` later."""
        self._slow[method] = seconds

    def hold(self, method: str) -> asyncio.Event:
        """Calls to `method` wait, unanswered and undone, until the returned event is set
        (`held` lists them as they arrive): a call the test sees in progress."""
        self._holds[method] = gate = asyncio.Event()
        return gate

    def delete(self, message: dict) -> None:
        """A member (or an admin) deletes a message."""
        del self._messages[(message["chat"]["id"], message["message_id"])]

    def store_file(self, data: bytes, path: str) -> tuple[str, str]:
        n = next(self._file_ids)
        file_id = f"FILE{n:04d}-{len(data)}"
        self._files[file_id] = StoredFile(data, f"{path}-{n}", f"U{n:04d}")
        return file_id, f"U{n:04d}"

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    # ---- what the bot did ------------------------------------------------------------

    def sent(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.error is None
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def chat(self, chat_id: int) -> list[dict]:
        """Every message in the chat as members see it now, oldest first."""
        return [self._messages[(chat_id, mid)] for mid in self._chat_ids.get(chat_id, ())
                if (chat_id, mid) in self._messages]

    def message(self, chat_id: int, message_id: int) -> dict:
        return self._messages[(chat_id, message_id)]

    def versions(self, message: dict) -> list[str]:
        """Every text the message has shown, first to current."""
        return list(self._versions.get((message["chat"]["id"], message["message_id"]), []))

    def replies_to(self, message: dict) -> list[dict]:
        chat_id, mid = message["chat"]["id"], message["message_id"]
        return [m for m in self.chat(chat_id) if m.get("reply_to_message", {}).get("message_id") == mid
                and m["from"]["id"] == self.bot_id]

    def reply_with(self, message: dict, key: str) -> dict | None:
        """The bot's first reply to `message` that has `key` ("photo", "video", "text"...)."""
        return next((m for m in self.replies_to(message) if key in m), None)

    def take_errors(self) -> list[tuple[str, str]]:
        errors, self.errors = self.errors, []
        return errors

    @property
    def open_callbacks(self) -> set[str]:
        return set(self._open_callbacks)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 15) -> Any:
        """Wait until `predicate()` is truthy, re-checking after every request; returns its value."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(f"condition not met within {timeout} s; calls: "
                                     f"{[c.method for c in self.calls]}") from None
            return predicate()

    def fail_next(self, method: str, code: int = 400, description: str = "Bad Request: injected",
                  *, retry_after: float | None = None, times: int = 1) -> None:
        if retry_after is not None:
            code, description = 429, f"Too Many Requests: retry after {retry_after}"
        params = {"retry_after": retry_after} if retry_after is not None else None
        self._faults.append(_Fault(method, ApiError(code, description, params), times))

    def heal(self, method: str) -> None:
        """Drop the faults still waiting for `method`: that part of Telegram works again."""
        self._faults = [fault for fault in self._faults if fault.method != method]

    # ---- HTTP ------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        arrived = self.clock()  # as the request begins: an upload's body takes a while to read
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        params, files, filenames = await _read_params(request)
        call = Call(method, params, files, self.clock(), content_type=request.content_type, filenames=filenames)
        handler = getattr(self, f"_api_{method}", None)
        if (gate := self._holds.get(method)) is not None and not gate.is_set():
            self.held.append(call)
            async with self._changed:
                self._changed.notify_all()
            await gate.wait()
        try:
            if handler is None:
                self.unknown.append(method)
                raise ApiError(404, f"Not Found: method {method} is not faked")
            if fault := self._take_fault(method) or self._chat_errors.get(params.get("chat_id")):
                call.error = fault
                raise fault
            if self.limits is not None and (
                    retry := self.limits.check(method, params.get("chat_id"), arrived)) is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
            call.result = await handler(params, files)
        except ApiError as err:
            if call.error is None:
                call.error = err
                self.errors.append((method, err.description))
            await self._record(call)
            return _error(err)
        await self._record(call)
        if delay := self._slow.get(method):
            await asyncio.sleep(delay)  # the server's latency, not a test waiting for work
        return web.json_response({"ok": True, "result": call.result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id, stored = next(((i, f) for i, f in self._files.items() if f.path == path), (None, None))
        if stored is None:
            return web.Response(status=404)
        if fault := self._take_fault("download"):
            return web.Response(status=fault.code, text=fault.description)
        if stored.stream_size is None:
            self.served[file_id] = len(stored.data)
            return web.Response(body=stored.data, content_type="application/octet-stream")
        return await self._stream(request, file_id, stored.stream_size)

    async def _stream(self, request: web.Request, file_id: str, size: int) -> web.StreamResponse:
        """Zero bytes without a Content-Length, until `size` or until the client hangs up."""
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        await response.prepare(request)
        chunk = bytes(256 * 1024)
        self.served[file_id] = 0
        try:
            while self.served[file_id] < size and not self._closing:
                piece = chunk[: size - self.served[file_id]]
                await response.write(piece)
                self.served[file_id] += len(piece)
            await response.write_eof()
        except ConnectionError:
            pass  # the client stopped reading: what a careful client does with an oversized file
        return response

    def _take_fault(self, method: str) -> ApiError | None:
        for fault in self._faults:
            if fault.method == method:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault.error
        return None

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def redeliver(self, update_id: int) -> None:
        """Telegram sends update `update_id` again, as if the bot never confirmed it."""
        update = next(u for u in self.pushed if u["update_id"] == update_id)
        async with self._changed:
            if update not in self._updates:
                self._updates.append(update)
                self._updates.sort(key=lambda u: u["update_id"])
            self._changed.notify_all()
        if self.webhook:
            await self._post_webhook(update)

    async def _push(self, update: dict) -> None:
        update["update_id"] = next(self._update_ids)
        self.pushed.append(update)
        async with self._changed:
            if "message" in update:
                self._store(update["message"])
            self._updates.append(update)
            self._changed.notify_all()
        if self.webhook:
            await self._post_webhook(update)

    async def _post_webhook(self, update: dict) -> None:
        headers = {}
        if secret := self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        # Only loopback is reachable from tests: the path is the bot's, the address the test's.
        url = f"http://127.0.0.1:{self.webhook_port}{urlsplit(self.webhook['url']).path}"
        async with self._client.post(url, json=update, headers=headers) as response:
            self.webhook_answers.append(response.status)
        if response.status == 200 and update in self._updates:  # anything else: Telegram tries again later
            self._updates.remove(update)

    # ---- methods ---------------------------------------------------------------------

    async def _api_getMe(self, params, files):
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _api_deleteWebhook(self, params, files):
        self.webhook = None
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        return True

    async def _api_setWebhook(self, params, files):
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _api_getUpdates(self, params, files):
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = params.get("offset") or 0
        # Asking from `offset` confirms every update before it: Telegram forgets them.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: self._updates or self._closing), timeout)
                except TimeoutError:
                    pass
        return self._updates[: int(params.get("limit") or 100)]

    async def _api_setMyCommands(self, params, files):
        commands = params["commands"]
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]) or not 1 <= len(
                    command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):  # ISO 639-1, as the Bot API demands
            raise ApiError(400, "Bad Request: LANG_CODE_INVALID")
        scope = (params.get("scope") or {}).get("type", "default")
        if scope != "default":
            self.commands_by_scope[(scope, language)] = commands
        elif language:
            self.commands_by_language[language] = commands
        else:
            self.commands = commands
        return True

    async def _api_sendInvoice(self, params, files):
        if params.get("currency") != "XTR" or params.get("provider_token") not in (None, ""):
            raise ApiError(400, "Bad Request: Stars invoices need currency XTR and no provider token")
        prices = params.get("prices") or []
        if len(prices) != 1 or not isinstance(prices[0].get("amount"), int) or prices[0]["amount"] <= 0:
            raise ApiError(400, "Bad Request: Stars invoices take exactly one price")
        if not 1 <= len(params.get("payload", "").encode()) <= 128:
            raise ApiError(400, "Bad Request: INVOICE_PAYLOAD_INVALID")
        message = self._bot_message(params)
        message["invoice"] = {"title": params["title"], "description": params["description"],
                              "start_parameter": "", "currency": "XTR", "total_amount": prices[0]["amount"]}
        # kept beside the message for pay(); Telegram keeps the payload to itself until then
        message["invoice_details"] = {"payload": params["payload"], "currency": "XTR",
                                      "total_amount": prices[0]["amount"]}
        return self._store(message)

    async def _api_answerPreCheckoutQuery(self, params, files):
        query_id = params["pre_checkout_query_id"]
        if query_id not in self.pre_checkout_answers or self.pre_checkout_answers[query_id] is not None:
            raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
        ok = params.get("ok") in (True, "true", "True")
        if not ok and not params.get("error_message"):
            raise ApiError(400, "Bad Request: error_message is required when ok is false")
        self.pre_checkout_answers[query_id] = {"ok": ok, "error_message": params.get("error_message")}
        return True

    async def _api_refundStarPayment(self, params, files):
        charge = params.get("telegram_payment_charge_id")
        if charge in self.refunded_charges:
            raise ApiError(400, "Bad Request: CHARGE_ALREADY_REFUNDED")
        self.refunded_charges.append(charge)
        return True

    def make_admin(self, chat: dict, user: dict, status: str = "administrator") -> None:
        self.chat_admins.setdefault(chat["id"], {})[user["id"]] = status

    def demote(self, chat: dict, user: dict) -> None:
        self.chat_admins.get(chat["id"], {}).pop(user["id"], None)

    async def _api_getChatMember(self, params, files):
        chat_id, user_id = self._chat_id(params), int(params["user_id"])
        status = self.chat_admins.get(chat_id, {}).get(user_id, "member")
        member = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": f"user {user_id}"}}
        if status == "administrator":  # the rights Telegram lists for an administrator
            member |= {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                       "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                       "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                       "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False}
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    async def _api_leaveChat(self, params, files):
        self.left_chats.append(self._chat_id(params))
        return True

    async def _api_sendChatAction(self, params, files):
        self._chat_id(params)
        return True

    async def _api_answerCallbackQuery(self, params, files):
        query_id = params["callback_query_id"]
        if query_id not in self._open_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        return True

    async def _api_sendMessage(self, params, files):
        text, entities = _parse(params["text"], params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        message = self._bot_message(params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        return self._store(message)

    async def _api_editMessageText(self, params, files):
        chat_id = self._chat_id(params)
        message = self._messages.get((chat_id, params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _render(params["text"], params.get("parse_mode"))
        if _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = params.get("reply_markup")
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                "reply markup are exactly the same as a current content and reply markup "
                                "of the message")
        message["text"] = text
        message["edit_date"] = int(time.time())
        self._versions[(chat_id, message["message_id"])].append(text)
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _api_editMessageCaption(self, params, files):
        chat_id = self._chat_id(params)
        message = self._editable(chat_id, params["message_id"])
        if not any(kind in message for kind in ("photo", "video", "document", "animation")):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = _render(params.get("caption") or "", params.get("parse_mode"))
        if _utf16_len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = params.get("reply_markup")
        if caption == message.get("caption", "") and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                "reply markup are exactly the same as a current content and reply markup "
                                "of the message")
        self._edited(message, caption, markup)
        return message

    async def _api_editMessageMedia(self, params, files):
        """Replace a photo/video/document message's media (and caption) with another's."""
        chat_id = self._chat_id(params)
        message = self._editable(chat_id, params["message_id"])
        if not any(kind in message for kind in ("photo", "video", "document", "animation")):
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        media = params["media"] if isinstance(params["media"], dict) else json.loads(params["media"])
        kind, source = media["type"], media["media"]
        limit = {"photo": 10 * MB}.get(kind, self.upload_limit)
        if isinstance(source, str) and source.startswith("attach://"):
            data = files[source.removeprefix("attach://")]
            if len(data) > limit:
                raise ApiError(413, "Request Entity Too Large")
        elif isinstance(source, str) and source.startswith(("http://", "https://")):
            data = await self._fetch(source, 5 * MB if kind == "photo" else self.url_fetch_limit)
        elif isinstance(source, str) and source in self._files:
            data = self._files[source].data
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        for old in ("photo", "video", "document", "animation"):
            message.pop(old, None)
        if kind == "photo":
            message["photo"] = self._photo_sizes(data)
        else:
            file_id, unique = self.store_file(data, f"{kind}s/file")
            message[kind] = {"file_id": file_id, "file_unique_id": unique, "file_size": len(data)}
            if kind == "video":
                message[kind].update(width=1280, height=720, duration=6, mime_type="video/mp4")
        message.pop("has_media_spoiler", None)
        if media.get("has_spoiler"):
            message["has_media_spoiler"] = True
        caption = _render(media.get("caption") or "", media.get("parse_mode"))
        if _utf16_len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        self._edited(message, caption, params.get("reply_markup"))
        return message

    async def _api_setMessageReaction(self, params, files):
        chat_id = self._chat_id(params)
        key = (chat_id, params["message_id"])
        if key not in self._messages:
            raise ApiError(400, "Bad Request: message to react not found")
        reaction = params.get("reaction") or []
        if isinstance(reaction, str):
            reaction = json.loads(reaction)
        self.reactions[key] = [r["emoji"] for r in reaction if r.get("type") == "emoji"]
        self.reaction_clock.setdefault(key, time.perf_counter())
        return True

    def _editable(self, chat_id: int, message_id: int) -> dict:
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _edited(self, message: dict, caption: str, markup: dict | None) -> None:
        if caption:
            message["caption"] = caption
        else:
            message.pop("caption", None)
        message["edit_date"] = int(time.time())
        self._versions[(message["chat"]["id"], message["message_id"])].append(caption)
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    async def _api_sendPhoto(self, params, files):
        data = await self._media(params, files, "photo", limit=10 * MB, url_limit=5 * MB)
        message = self._bot_message(params, params.get("caption"))
        message["photo"] = self._photo_sizes(data)
        return self._store(message)

    async def _api_sendVideo(self, params, files):
        data = await self._media(params, files, "video", limit=self.upload_limit, url_limit=self.url_fetch_limit)
        message = self._bot_message(params, params.get("caption"))
        file_id, unique = self.store_file(data, "videos/video.mp4")
        message["video"] = {"file_id": file_id, "file_unique_id": unique, "width": 1280, "height": 720,
                            "duration": 6, "mime_type": "video/mp4", "file_size": len(data)}
        return self._store(message)

    async def _api_sendDocument(self, params, files):
        data = await self._media(params, files, "document", limit=self.upload_limit,
                                 url_limit=self.url_fetch_limit)
        message = self._bot_message(params, params.get("caption"))
        file_id, unique = self.store_file(data, "documents/file")
        message["document"] = {"file_id": file_id, "file_unique_id": unique, "file_size": len(data)}
        return self._store(message)

    async def _api_getFile(self, params, files):
        stored = self._files.get(params["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.stream_size is not None:  # size unknown: no file_size, no limit checked
            return {"file_id": params["file_id"], "file_unique_id": stored.unique_id, "file_path": stored.path}
        if len(stored.data) > self.download_limit:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": stored.unique_id,
                "file_size": len(stored.data), "file_path": stored.path}

    # ---- helpers ---------------------------------------------------------------------

    async def _media(self, params, files, name: str, *, limit: int, url_limit: int) -> bytes:
        self._chat_id(params)
        if name in files:
            data = files[name]
            if len(data) > limit:
                raise ApiError(413, "Request Entity Too Large")
            return data
        value = params.get(name)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return await self._fetch(value, url_limit)
        if isinstance(value, str) and value in self._files:
            return self._files[value].data
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _fetch(self, url: str, limit: int) -> bytes:
        # Telegram's servers download the file themselves; here only loopback is reachable.
        assert url.startswith("http://127.0.0.1"), f"the fake only fetches from loopback, not {url}"
        async with self._client.get(url) as response:
            data = await response.read()
        if response.status != 200 or len(data) > limit:
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        return data

    def _chat_id(self, params) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _user_message(self, user: dict, chat: dict, reply_to: dict | None) -> dict:
        message = {"message_id": self._next_message_id(chat["id"]), "date": int(time.time()),
                   "chat": chat, "from": user}
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def _bot_message(self, params: dict, caption: str | None = None) -> dict:
        chat_id = self._chat_id(params)
        chat = self._chat_of(chat_id)
        message = {"message_id": self._next_message_id(chat_id), "date": int(time.time()),
                   "chat": chat, "from": self.bot_user}
        if caption is not None:
            rendered = _render(caption, params.get("parse_mode"))
            if _utf16_len(rendered) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
            message["caption"] = rendered
        if reply := params.get("reply_parameters"):
            target = self._messages.get((chat_id, reply["message_id"]))
            if target is not None:
                message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        if thread := params.get("message_thread_id"):
            message["message_thread_id"] = thread
        if markup := params.get("reply_markup"):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            message["reply_markup"] = markup
        return message

    def _chat_of(self, chat_id: int) -> dict:
        for mid in self._chat_ids.get(chat_id, ()):
            if (message := self._messages.get((chat_id, mid))) is not None:
                return message["chat"]
        raise ApiError(400, "Bad Request: chat not found")

    def _store(self, message: dict) -> dict:
        key = (message["chat"]["id"], message["message_id"])
        self.reply_clock.setdefault(key, time.perf_counter())  # when it first appeared (benchmarks)
        if key not in self._messages:
            bisect.insort(self._chat_ids.setdefault(key[0], []), key[1])
        self._messages[key] = message
        self._versions[key] = [message.get("text") or message.get("caption") or ""]
        return message

    def _photo_sizes(self, data: bytes) -> list[dict]:
        """Telegram's sizes of a photo: a real thumbnail first, the original last."""
        # made once per distinct picture: Telegram makes thumbnails on its own machines, and
        # here that work would hold up every other request in the process (benchmarks)
        key = hashlib.sha1(data).digest()
        if (made := self._thumbnails.get(key)) is None:
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                thumb = img.convert("RGB")
                thumb.thumbnail((90, 90))
                out = io.BytesIO()
                thumb.save(out, "JPEG")
            made = self._thumbnails[key] = (out.getvalue(), thumb.size, (width, height))
        thumbnail, thumb_size, size = made
        sizes = []
        for blob, (w, h) in ((thumbnail, thumb_size), (data, size)):
            file_id, unique = self.store_file(blob, "photos/photo.jpg")
            sizes.append({"file_id": file_id, "file_unique_id": unique, "width": w, "height": h,
                          "file_size": len(blob)})
        return sizes

    def _command_entity(self, text: str) -> dict | None:
        match = _COMMAND.match(text)
        return {"type": "bot_command", "offset": 0, "length": len(match[0])} if match else None


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes], dict[str, str]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    filenames: dict[str, str] = {}
    if request.content_type == "application/json":
        params = await request.json()
    elif request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = value.file.read()
                filenames[key] = value.filename
            else:
                params[key] = value
    params.update(request.query)
    for key, value in params.items():
        if key in JSON_FIELDS and isinstance(value, str):
            params[key] = json.loads(value)
        elif key in INT_FIELDS and isinstance(value, str):
            params[key] = int(value) if re.fullmatch(r"-?\d+", value) else value
    return params, files, filenames


class _Stripper(HTMLParser):
    """Turns Telegram HTML into the plain text members see, keeping links as text_link entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.entities: list[dict] = []
        self._link: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._link = (dict(attrs).get("href") or "", _utf16_len("".join(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link:
            url, start = self._link
            self.entities.append({"type": "text_link", "offset": start, "url": url,
                                  "length": _utf16_len("".join(self.parts)) - start})
            self._link = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _render(text: str, parse_mode: str | None) -> str:
    """The text as members see it; raises like Telegram on HTML it cannot parse."""
    return _parse(text, parse_mode)[0]


def _parse(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    if parse_mode is None:
        return text, []
    if parse_mode != "HTML":
        raise ApiError(400, f"Bad Request: the fake only speaks HTML, not {parse_mode}")
    for i, char in enumerate(text):
        if char == "<":
            tag = _TAG.match(text, i)
            if tag is None or tag[1] not in _TAGS:
                name = tag[1] if tag else text[i + 1: i + 8]
                raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" '
                                    f"at byte offset {len(text[:i].encode())}")
        elif char == "&" and not _ENTITY.match(text, i):
            raise ApiError(400, "Bad Request: can't parse entities: Character '&' is reserved "
                                "and must be escaped with the \"&amp;\" entity")
    stripper = _Stripper()
    stripper.feed(text)
    stripper.close()
    return "".join(stripper.parts), stripper.entities


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _error(err: ApiError) -> web.Response:
    body = {"ok": False, "error_code": err.code, "description": err.description}
    if err.parameters:
        body["parameters"] = err.parameters
    return web.json_response(body, status=err.code)
