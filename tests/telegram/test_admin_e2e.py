"""Operator controls through real python-telegram-bot: /admin answered privately to admins
only, members named by reply, @username or id; alerts by private message; a group the
operator did not allow is told once and left."""

from __future__ import annotations

from bot.domain.requests import Requester
from tests.telegram.conftest import ADMIN_ID


def texts_to(fake_api, chat_id: int) -> list[str]:
    return [c.params.get("text", "") for c in fake_api.sent("sendMessage", chat_id)]


async def boss_started_the_bot(fake_api) -> dict:
    """The admin has a private chat with the bot (Telegram lets a bot write only to those)."""
    boss = fake_api.user(ADMIN_ID, "Boss", "boss")
    hello = await fake_api.send_text(boss, fake_api.private_chat(boss), "/start")
    await fake_api.wait_until(lambda: fake_api.reply_with(hello, "text"))
    return boss


async def test_an_admin_bans_a_member_by_replying_in_the_group_and_the_answer_comes_privately(
        start_bot, fake_api, ann, simulator):
    await start_bot()
    boss, group = await boss_started_the_bot(fake_api), fake_api.group_chat()
    spam = await fake_api.send_text(ann, group, "/quota@ReelTestBot")
    await fake_api.wait_until(lambda: fake_api.reply_with(spam, "text"))
    await fake_api.send_text(boss, group, "/admin ban spamming", reply_to=spam)

    await fake_api.wait_until(lambda: any("banned" in t for t in texts_to(fake_api, ADMIN_ID)))
    refused = await fake_api.send_text(ann, group, "/image@ReelTestBot a fox")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(refused, "text"))
    assert "cannot use this bot" in reply["text"] and not simulator.requests
    assert not any("banned" in t for t in texts_to(fake_api, group["id"]))  # the group never saw it


async def test_grant_by_username_and_usage_as_a_table(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    boss = await boss_started_the_bot(fake_api)
    hello = await fake_api.send_text(ann, ann_chat, "/quota")  # the bot has now seen @ann
    await fake_api.wait_until(lambda: fake_api.reply_with(hello, "text"))
    boss_chat = fake_api.private_chat(boss)
    await fake_api.send_text(boss, boss_chat, "/admin grant @ann 15 birthday")
    await fake_api.wait_until(lambda: any("Granted 15 credits" in t for t in texts_to(fake_api, ADMIN_ID)))
    quota = await fake_api.send_text(ann, ann_chat, "/quota")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(quota, "text"))
    assert "65" in reply["text"] and "granted" in reply["text"]

    await fake_api.send_text(boss, boss_chat, "/admin usage 7d")
    table = await fake_api.wait_until(lambda: next((c for c in fake_api.sent("sendMessage", ADMIN_ID)
                                                    if "<pre>" in c.params.get("text", "")), None))
    assert "grant telegram:1001 15 credits birthday" in table.params["text"]


async def test_a_member_is_refused_admin_commands(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/admin pause now")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "Only the bot's admins" in reply["text"]
    check = await fake_api.send_text(ann, ann_chat, "/image a fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(check, "photo"))


async def test_alerts_reach_admins_privately(start_bot, fake_api):
    bot = await start_bot()
    await boss_started_the_bot(fake_api)
    await bot.adapter.messenger.alert_admins("the balance ran out <b>")
    text = texts_to(fake_api, ADMIN_ID)[-1]
    assert "the balance ran out &lt;b&gt;" in text


async def test_a_group_that_is_not_allowed_is_told_once_and_left(start_bot, fake_api, ann, simulator):
    await start_bot(allowed_chats=frozenset({"-100999"}))
    group = fake_api.group_chat()
    command = await fake_api.send_text(ann, group, "/image@ReelTestBot a fox")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "not available in this chat" in reply["text"]
    await fake_api.wait_until(lambda: fake_api.left_chats)
    assert fake_api.left_chats == [group["id"]] and not simulator.requests


async def test_every_admin_command_works_for_an_admin(start_bot, fake_api, ann, ann_chat, simulator):
    bot = await start_bot()
    boss = await boss_started_the_bot(fake_api)
    boss_chat = fake_api.private_chat(boss)
    made = await fake_api.send_text(ann, ann_chat, "/image a fox")
    await fake_api.wait_until(lambda: fake_api.reply_with(made, "photo"))
    [job_id] = [row["id"] for row in await bot.core._store.db.fetchall("SELECT id FROM jobs")]
    expected = [("/admin ban 1001 spam", "banned"), ("/admin unban 1001", "may use the bot again"),
                ("/admin limit user 1001 7 1", "7 credits a day, 1 at a time"),
                ("/admin limit tier nope 7", "There is no tier"),
                ("/admin jobs 1001", job_id), (f"/admin refund {job_id}", "given back"),
                ("/admin pause tea break", "paused"), ("/admin resume", "accepted again"),
                ("/admin usage today", "Usage today")]
    for command, words in expected:
        await fake_api.send_text(boss, boss_chat, command)
        await fake_api.wait_until(lambda words=words: any(words in t for t in texts_to(fake_api, ADMIN_ID)))


async def test_every_admin_command_is_refused_to_a_member(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    for command in ("grant 1001 5", "limit user 1001 0", "ban 1001", "unban 1001", "usage", "jobs",
                    "refund abc", "pause", "resume"):
        sent = await fake_api.send_text(ann, ann_chat, f"/admin {command}")
        reply = await fake_api.wait_until(lambda sent=sent: fake_api.reply_with(sent, "text"))
        assert "Only the bot's admins" in reply["text"], command
    assert (await bot.core.admin.usage(Requester("cli", "x", is_admin=True))).audit == []
