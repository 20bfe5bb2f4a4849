"""sendMediaGroup for the fake Bot API (mixed into FakeBotApi; kept apart from its other methods).

Like Telegram: 2 to 10 items, photos (and videos) or documents but no mix of documents with
the others, each item's file uploaded (`attach://name`), fetched from a URL or named by a
file_id, under the same size limits as sendPhoto / sendDocument; the whole group is refused
when one item is, and an accepted group is one message per item sharing a `media_group_id`.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

__all__ = ["MediaGroups"]

MB = 1024 * 1024

_GROUP_IDS = itertools.count(13_000_000_000_000_001)


class MediaGroups:
    """Needs FakeBotApi's helpers (`_media`, `_bot_message`, `_photo_sizes`, `store_file`, `_store`)."""

    async def _api_sendMediaGroup(self, params: dict[str, Any], files: dict[str, bytes]) -> list[dict]:
        from tests.telegram.fake_bot_api import ApiError  # that module builds on this one

        media = params.get("media")
        if isinstance(media, str):
            media = json.loads(media)
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the group: 2 to 10 are allowed")
        kinds = {item.get("type") for item in media}
        if "document" in kinds and kinds != {"document"}:
            raise ApiError(400, "Bad Request: document can't be mixed with other media types")
        if params.get("reply_markup"):
            raise ApiError(400, "Bad Request: a media group takes no reply markup")
        # every item checked (and fetched) before any message exists: Telegram posts all or none
        ready = []
        for item in media:
            kind, source = item.get("type"), item.get("media")
            if kind not in ("photo", "document"):
                raise ApiError(400, f"Bad Request: the fake's media groups take photos and documents, not {kind}")
            if isinstance(source, str) and source.startswith("attach://"):
                name = source.removeprefix("attach://")
                if name not in files:
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                data = await self._media({"chat_id": params.get("chat_id")}, {kind: files[name]}, kind,
                                         **self._group_limits(kind))
            else:
                data = await self._media({"chat_id": params.get("chat_id"), kind: source}, {}, kind,
                                         **self._group_limits(kind))
            item_params = {**params, "parse_mode": item.get("parse_mode")}
            message = self._bot_message(item_params, item.get("caption"))  # the caption's limits too
            ready.append((kind, item, data, message))
        group_id = str(next(_GROUP_IDS))
        posted = []
        for kind, item, data, message in ready:
            message["media_group_id"] = group_id
            if kind == "photo":
                message["photo"] = self._photo_sizes(data)
                if item.get("has_spoiler"):
                    message["has_media_spoiler"] = True
            else:
                file_id, unique = self.store_file(data, "documents/file")
                message["document"] = {"file_id": file_id, "file_unique_id": unique, "file_size": len(data)}
            posted.append(self._store(message))
        return posted

    def _group_limits(self, kind: str) -> dict[str, int]:
        if kind == "photo":
            return {"limit": 10 * MB, "url_limit": 5 * MB}
        return {"limit": self.upload_limit, "url_limit": self.url_fetch_limit}

    def albums(self, chat_id: int) -> list[list[dict]]:
        """The chat's media groups as members see them, oldest first: each a list of its messages."""
        groups: dict[str, list[dict]] = {}
        for message in self.chat(chat_id):
            if (group := message.get("media_group_id")) is not None:
                groups.setdefault(group, []).append(message)
        return list(groups.values())
