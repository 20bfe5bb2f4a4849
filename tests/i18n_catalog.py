"""A small Chinese gettext catalog written for a test, so the member's language can be followed
end to end before the project's own translations exist."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from bot import i18n

__all__ = ["write_mo", "chinese"]

ZH = {
    ("Your last job:", "Your last {n} jobs, newest first:"): "你最近的 {n} 个任务（最新在前）：",
    ("Cancelled. Nothing was sent to 302.AI, and your credit is back.",
     "Cancelled. Nothing was sent to 302.AI, and your {n} credits are back."): "已取消。没有发送给 302.AI，{n} 点已退回。",
    "Cancelled; your credits are back.": "已取消，点数已退回。",
    "Cancelled": "已取消",
    "You can fetch only your own results.": "你只能取回自己的结果。",
    "You can cancel only your own jobs.": "你只能取消自己的任务。",
    "Not cancelled": "未取消",
}


def write_mo(path: Path, messages: dict) -> None:
    """A GNU .mo file: a header, then `messages` ({msgid or (singular, plural): translation})."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"}
    for key, value in messages.items():
        entries["\0".join(key) if isinstance(key, tuple) else key] = value
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    start = 7 * 4 + 16 * len(keys)
    table, data = [], b""
    for blob in ids + strs:
        table.append((len(blob), start + len(data)))
        data += blob + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    offsets = b"".join(struct.pack("<2I", n, at) for n, at in table)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + offsets + data)


@pytest.fixture
def chinese(tmp_path, monkeypatch):
    """bot.i18n reads a Chinese catalog with the texts above for the length of the test."""
    locale = tmp_path / "locale"
    write_mo(locale / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo", ZH)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()
