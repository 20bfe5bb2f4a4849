"""A Telegram group's title, as Telegram shows it, is kept with its requests for the
operator's console, and follows a rename."""

from __future__ import annotations


async def test_a_groups_title_is_stored_when_a_member_asks_there_and_follows_a_rename(start_bot, fake_api, ann):
    bot = await start_bot()
    group = fake_api.group_chat(title="Film <b>club</b>")
    first = await fake_api.send_text(ann, group, "/image a fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(first, "photo"))
    rows = await bot.core.db.fetchall("SELECT chat_key, title FROM chat_titles")
    assert [tuple(r) for r in rows] == [(f"telegram:{group['id']}", "Film <b>club</b>")]
    renamed = {**group, "title": "Birders"}
    second = await fake_api.send_text(ann, renamed, "/image an owl")
    await fake_api.wait_until(lambda: fake_api.reply_with(second, "photo"))
    assert [r["title"] for r in await bot.core.db.fetchall("SELECT title FROM chat_titles")] == ["Birders"]
