"""`reelbot admin chat-settings <chat> [--reset]` as an operator types it: a chat's own /settings
shown, and cleared with one audit row; something that names no chat exits refused."""

from __future__ import annotations

import asyncio

from bot.chats.desk import ChatActor
from bot.domain.requests import Requester
from entrypoints import exits
from tests.test_admin_cli import a_database, admin, rows


async def test_chat_settings_shows_a_chats_own_settings_and_reset_clears_them(make_core, tmp_path):
    core = await make_core()
    group_admin = ChatActor(Requester("telegram", "42", chat_id="-100123"), chat_admin=True)
    await core.chat_desk.budget(group_admin, 30)
    await core.chat_desk.words(group_admin, "add", ["moonshine"])
    db = tmp_path / "reelbot.db"

    shown = await asyncio.to_thread(admin, tmp_path, "chat-settings", "telegram:-100123", "--data-dir", str(tmp_path))
    reset = await asyncio.to_thread(admin, tmp_path, "chat-settings", "telegram:-100123", "--reset",
                                    "--data-dir", str(tmp_path))
    after = await asyncio.to_thread(admin, tmp_path, "chat-settings", "telegram:-100123", "--data-dir", str(tmp_path))

    assert shown.returncode == exits.OK and "  daily budget: 30 credits" in shown.stdout
    assert "  blocked words of its own (1): moonshine" in shown.stdout
    assert reset.stdout.startswith("Cleared telegram:-100123's own settings and its 1 blocked word:")
    assert after.stdout.startswith("telegram:-100123 has no settings of its own")
    assert rows(db, "SELECT action, target FROM audit WHERE action = 'chat reset'") == [
        ("chat reset", "telegram:-100123")]
    assert rows(db, "SELECT count(*) FROM chat_settings") == [(0,)] == rows(db, "SELECT count(*) FROM chat_words")


def test_chat_settings_of_something_that_is_no_chat_exits_refused(tmp_path):
    a_database(tmp_path / "reelbot-data")
    result = admin(tmp_path, "chat-settings", "my-group")
    assert result.returncode == exits.REFUSED and "names no chat" in result.stderr
