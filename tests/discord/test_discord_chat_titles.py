"""A Discord server's name, as discord.py knows it from the gateway, is kept with its
requests for the operator's console."""

from __future__ import annotations


async def test_a_servers_name_is_stored_when_a_member_asks_there(start_bot, fake_discord):
    bot = await start_bot()
    interaction = await fake_discord.invoke("image", prompt="a red fox in the snow")
    await fake_discord.result_of(interaction)
    rows = [tuple(r) for r in await bot.core.db.fetchall("SELECT chat_key, title FROM chat_titles")]
    [(guild,)] = [tuple(r) for r in await bot.core.db.fetchall("SELECT chat_id FROM jobs")]
    assert rows == [(f"discord:{guild}", "Test server")]
