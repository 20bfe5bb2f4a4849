"""Discord's rules the fake enforces on what a bot sends, and its error envelope."""

from __future__ import annotations

import json
import mimetypes
import re
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tests.discord.fake_discord_payloads import FakeFile

__all__ = ["DiscordError", "json_response", "error_response", "read_body", "check_command", "check_message"]

_COMMAND_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


class DiscordError(Exception):
    """Answered to the client as Discord's JSON error envelope."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message


def json_response(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json" (no charset), as discord.py compares the header verbatim
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def error_response(err: DiscordError) -> web.Response:
    return json_response({"message": err.message, "code": err.code}, err.status)


async def read_body(request: web.Request) -> tuple[Any, list[FakeFile]]:
    """The JSON body, or for multipart the payload_json part and its files[n] parts."""
    if not request.can_read_body:
        return None, []
    if not request.content_type.startswith("multipart/"):
        return await request.json(), []
    body: Any = None
    uploads: dict[int, tuple[str, str | None, bytes]] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if part.name == "payload_json":
            body = json.loads(await part.text())
        elif part.name and (m := re.fullmatch(r"files\[(\d+)]", part.name)):
            uploads[int(m.group(1))] = (part.filename or "file", part.headers.get("Content-Type"),
                                        bytes(await part.read()))
    body = body or {}
    files, kept = [], []
    for attachment in body.get("attachments") or []:
        index = int(attachment.get("id", -1))
        if index in uploads:  # a new file: its entry's id is the n of files[n]
            filename, content_type, data = uploads.pop(index)
            name = attachment.get("filename", filename)
            # like Discord, name the type after the file rather than trust the part's header
            files.append(FakeFile(secrets.randbits(60), name, mimetypes.guess_type(name)[0] or content_type, data))
        else:  # an attachment the message already has and keeps
            kept.append(attachment)
    if uploads:
        raise DiscordError(400, 50035, "Invalid Form Body: files[n] without an attachments entry")
    if len(files) + len(kept) > 10:  # Discord's most attachments on one message
        raise DiscordError(400, 50035, "Invalid Form Body: more than 10 attachments")
    if "attachments" in body:
        body["attachments"] = kept
    return body, files


# the locales Discord accepts as keys of name_localizations / description_localizations
LOCALES = frozenset({"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
                     "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
                     "th", "zh-CN", "ja", "zh-TW", "ko"})


def _check_localizations(thing: Mapping[str, Any], *, name_rule, description: bool) -> None:
    """Localized names follow the name's own rule; descriptions (and choice names) 1-100 characters."""
    for key, value in (thing.get("name_localizations") or {}).items():
        if key not in LOCALES or not name_rule(value):
            raise DiscordError(400, 50035, f"Invalid Form Body: name_localizations.{key}")
    for key, value in (thing.get("description_localizations") or {}).items():
        if not description or key not in LOCALES or not 1 <= len(value) <= 100:
            raise DiscordError(400, 50035, f"Invalid Form Body: description_localizations.{key}")


def _slash_name(value: str) -> bool:
    # Discord's rule for localized names: letters of any script, digits, - and _, lower case
    return bool(re.fullmatch(r"[-_\w]{1,32}", value)) and value == value.lower()


def check_command(command: Mapping[str, Any]) -> None:
    kind = command.get("type", 1)
    name = command.get("name", "")
    _check_localizations(command, name_rule=_slash_name if kind == 1 else lambda v: 1 <= len(v) <= 32,
                         description=kind == 1)
    if kind == 1:
        if not _COMMAND_NAME.match(name) or not 1 <= len(command.get("description", "")) <= 100:
            raise DiscordError(400, 50035, f"Invalid Form Body: command {name!r}")
        options = command.get("options", [])
        if len(options) > 25:
            raise DiscordError(400, 50035, "Invalid Form Body: too many options")
        seen_optional = False
        if options and all(o.get("type") in (1, 2) for o in options):  # subcommands: check each
            for sub in options:
                check_command({**sub, "type": 1})
            return
        for option in options:
            if not _COMMAND_NAME.match(option["name"]) or not 1 <= len(option.get("description", "")) <= 100:
                raise DiscordError(400, 50035, f"Invalid Form Body: option {option['name']!r}")
            _check_localizations(option, name_rule=_slash_name, description=True)
            if option.get("required") and seen_optional:
                raise DiscordError(400, 50035, "Invalid Form Body: required options must come first")
            seen_optional |= not option.get("required")
            choices = option.get("choices", [])
            if len(choices) > 25 or any(not 1 <= len(c["name"]) <= 100 for c in choices):
                raise DiscordError(400, 50035, f"Invalid Form Body: choices of {option['name']!r}")
            for choice in choices:
                _check_localizations(choice, name_rule=lambda v: 1 <= len(v) <= 100, description=False)
            if choices and option.get("autocomplete"):
                raise DiscordError(400, 50035, "Invalid Form Body: choices and autocomplete")
    elif kind in (2, 3):
        if not 1 <= len(name) <= 32 or command.get("description", ""):
            raise DiscordError(400, 50035, f"Invalid Form Body: context menu {name!r}")
    else:
        raise DiscordError(400, 50035, f"Invalid Form Body: command type {kind}")


def check_message(body: Mapping[str, Any]) -> None:
    """Discord's size limits on a message body (400 Invalid Form Body when broken)."""
    if len(body.get("content") or "") > 2000:
        raise DiscordError(400, 50035, "Invalid Form Body: content over 2000 characters")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise DiscordError(400, 50035, "Invalid Form Body: more than 10 embeds")
    for embed in embeds:
        fields = embed.get("fields", [])
        total = len(embed.get("title", "")) + len(embed.get("description", ""))
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
        if (len(embed.get("title", "")) > 256 or len(embed.get("description", "")) > 4096
                or len(fields) > 25 or total > 6000
                or any(len(f.get("name", "")) > 256 or len(f.get("value", "")) > 1024 for f in fields)):
            raise DiscordError(400, 50035, "Invalid Form Body: embed too large")
    for row in body.get("components") or []:
        for item in row.get("components", []):
            if len(item.get("custom_id", "")) > 100 or len(item.get("label", "")) > 80:
                raise DiscordError(400, 50035, "Invalid Form Body: component too large")
