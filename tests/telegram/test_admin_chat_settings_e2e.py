"""`/admin chat-settings` through real python-telegram-bot: a group's own /settings shown to the
bot's admin privately, and reset from the group itself; refused to everyone else."""

from __future__ import annotations

from bot.chats.desk import ChatActor
from bot.domain.requests import Requester
from tests.telegram.test_admin_e2e import boss_started_the_bot, texts_to
from tests.telegram.conftest import ADMIN_ID


async def test_an_admin_sees_and_resets_a_groups_own_settings_privately(start_bot, fake_api):
    bot = await start_bot()
    boss, group = await boss_started_the_bot(fake_api), fake_api.group_chat()
    chat = f"telegram:{group['id']}"
    group_admin = ChatActor(Requester("telegram", "1001", chat_id=str(group["id"])), chat_admin=True)
    await bot.core.chat_desk.budget(group_admin, 30)
    await bot.core.chat_desk.words(group_admin, "add", ["moonshine"])

    await fake_api.send_text(boss, fake_api.private_chat(boss), f"/admin chat-settings {group['id']}")
    await fake_api.wait_until(lambda: any("daily budget: 30 credits" in t for t in texts_to(fake_api, ADMIN_ID)))
    await fake_api.send_text(boss, group, "/admin chat-settings here reset")

    await fake_api.wait_until(lambda: any(f"Cleared {chat}&#x27;s own settings and its 1 blocked word" in t
                                          for t in texts_to(fake_api, ADMIN_ID)))  # HTML, as sent
    assert (await bot.core.chat_desk.settings(group_admin)).daily_credits is None
    assert not any("Cleared" in t for t in texts_to(fake_api, group["id"]))  # the group never saw it


async def test_a_member_is_refused_a_chats_settings(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    sent = await fake_api.send_text(ann, ann_chat, "/admin chat-settings telegram:-100123 reset")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(sent, "text"))
    assert "Only the bot's admins" in reply["text"]
