"""The @usernames the Telegram admin commands remember are bounded: the most recent writers."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import Chat, Message, User

from adapters.telegram.admin import AdminCommands
from bot.access import Refused
from bot.domain.requests import Requester

BOSS = Requester("telegram", "900", chat_id="900", is_admin=True, private=True)


def written_by(user_id: int, username: str) -> Message:
    return Message(message_id=user_id, date=dt.datetime.now(dt.UTC), chat=Chat(user_id, Chat.PRIVATE),
                   from_user=User(user_id, username.title(), False, username=username))


async def test_only_the_most_recent_writers_are_remembered_by_username(make_core):
    commands = AdminCommands(await make_core(), remember=2)
    for user_id, name in ((1, "first"), (2, "second"), (3, "third")):
        commands.saw(written_by(user_id, name))
    commands.saw(written_by(2, "second"))  # seen again: now the most recent
    commands.saw(written_by(4, "fourth"))
    boss = written_by(900, "boss")

    assert len(commands._handles) == 2
    for forgotten in ("@first", "@third"):
        with pytest.raises(Refused, match="not seen"):
            await commands.run(boss, f"ban {forgotten}", BOSS)
    assert "telegram:2 is banned" in await commands.run(boss, "ban @second", BOSS)
    assert "telegram:4 is banned" in await commands.run(boss, "ban @fourth", BOSS)
