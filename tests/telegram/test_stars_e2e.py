"""Telegram Stars top-ups through real python-telegram-bot: packs, invoice, pre-checkout,
successful payment applied once even when its update comes twice, and a refund."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester
from bot.store.wallet import Wallets

SHOP = {"stars_per_credit": 2, "credit_packs": (10, 50)}


async def bought(fake_api, ann, ann_chat) -> str:
    command = await fake_api.send_text(ann, ann_chat, "/buy")
    packs = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text") or next(
        (m for m in fake_api.chat(ann_chat["id"]) if m.get("reply_markup")), None))
    await fake_api.press(ann, packs, "buy:10")
    invoice = await fake_api.wait_until(lambda: next((m for m in fake_api.chat(ann_chat["id"]) if "invoice" in m),
                                                     None))
    assert invoice["invoice"]["total_amount"] == 20 and invoice["invoice"]["currency"] == "XTR"
    charge = await fake_api.pay(ann, invoice)
    assert charge is not None
    await fake_api.wait_until(lambda: any("added" in (m.get("text") or "") for m in fake_api.chat(ann_chat["id"])))
    return charge


async def test_a_pack_bought_with_stars_shows_in_quota_and_is_applied_once(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(**SHOP)
    charge = await bought(fake_api, ann, ann_chat)
    paid = next(u for u in fake_api.pushed if "successful_payment" in u.get("message", {}))
    await fake_api.redeliver(paid["update_id"])
    quota = await fake_api.send_text(ann, ann_chat, "/quota")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(quota, "text"))
    assert "10 credits you bought" in reply["text"]
    assert await Wallets(bot.core._store.db).balance("telegram:1001") == 10
    assert [m for m in fake_api.chat(ann_chat["id"]) if "added" in (m.get("text") or "")].__len__() == 1
    assert (await Wallets(bot.core._store.db).payment(charge))[1] == 10


async def test_an_invoice_whose_price_no_longer_holds_is_declined_at_checkout(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(**SHOP)
    command = await fake_api.send_text(ann, ann_chat, "/buy 50")
    invoice = await fake_api.wait_until(lambda: next((m for m in fake_api.chat(ann_chat["id"]) if "invoice" in m),
                                                     None))
    assert await fake_api.pay(ann, invoice, tamper=-1) is None
    [answer] = [a for a in fake_api.pre_checkout_answers.values()]
    assert answer["error_message"] and await Wallets(bot.core._store.db).balance("telegram:1001") == 0
    assert command


async def test_buying_is_refused_when_the_operator_has_no_shop(start_bot, fake_api, ann, ann_chat):
    await start_bot()
    command = await fake_api.send_text(ann, ann_chat, "/buy")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "not enabled" in reply["text"]


async def test_reelbot_admin_refund_payment_refunds_the_stars_and_takes_the_credits_back(
        start_bot, fake_api, ann, ann_chat, tg_config, tmp_path):
    from entrypoints.admin_cli import refund_payment
    bot = await start_bot(**SHOP)
    charge = await bought(fake_api, ann, ann_chat)
    answer = await refund_payment(bot.core._store.db, tg_config.token, tg_config.api_base, charge)
    assert "10 credits taken back" in answer and fake_api.refunded_charges == [charge]
    assert await Wallets(bot.core._store.db).balance("telegram:1001") == 0
    with pytest.raises(Exception, match="already refunded"):
        await refund_payment(bot.core._store.db, tg_config.token, tg_config.api_base, charge)


def invoices(fake_api, chat: dict) -> list[dict]:
    return [m for m in fake_api.chat(chat["id"]) if "invoice" in m]


async def an_invoice(fake_api, ann, chat) -> dict:
    """An invoice sent while the member could still buy (kept in their chat, payable later)."""
    await fake_api.send_text(ann, chat, "/buy 10")
    return await fake_api.wait_until(lambda: next(iter(invoices(fake_api, chat)), None))


async def refused_at_checkout(fake_api, ann, invoice) -> str:
    assert await fake_api.pay(ann, invoice) is None
    return list(fake_api.pre_checkout_answers.values())[-1]["error_message"]


async def test_a_banned_member_gets_no_invoice_and_a_refused_pre_checkout(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(**SHOP)
    invoice = await an_invoice(fake_api, ann, ann_chat)
    await bot.core.admin.ban(Requester("cli", "op", is_admin=True), "telegram:1001", "spam")

    command = await fake_api.send_text(ann, ann_chat, "/buy 10")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "cannot use this bot" in reply["text"] and len(invoices(fake_api, ann_chat)) == 1
    assert "cannot use this bot" in await refused_at_checkout(fake_api, ann, invoice)
    assert await Wallets(bot.core._store.db).balance("telegram:1001") == 0


async def test_a_paused_bot_sends_no_invoice_not_even_from_a_pack_button_and_refuses_pre_checkout(
        start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(**SHOP)
    command = await fake_api.send_text(ann, ann_chat, "/buy")
    packs = await fake_api.wait_until(lambda: next((m for m in fake_api.chat(ann_chat["id"])
                                                    if m.get("reply_markup")), None))
    invoice = await an_invoice(fake_api, ann, ann_chat)
    await bot.core.admin.pause(Requester("cli", "op", is_admin=True), "maintenance")

    await fake_api.press(ann, packs, "buy:10")
    refusal = await fake_api.wait_until(lambda: next((m for m in fake_api.replies_to(packs) if "paused" in
                                                      (m.get("text") or "")), None))
    assert refusal is not None and len(invoices(fake_api, ann_chat)) == 1
    assert "paused" in await refused_at_checkout(fake_api, ann, invoice)
    assert command


async def test_a_chat_outside_the_allowlist_gets_no_invoice_and_a_refused_pre_checkout(
        start_bot, fake_api, ann, ann_chat):
    allowed = fake_api.group_chat()
    bot = await start_bot(allowed_chats=frozenset({str(allowed["id"])}), allow_dms=False, **SHOP)
    command = await fake_api.send_text(ann, ann_chat, "/buy 10")  # private messages are not allowed
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "private messages" in reply["text"] and invoices(fake_api, ann_chat) == []

    # An invoice sent in a group before the operator took that group off the allowlist.
    elsewhere = fake_api.group_chat(-1009999, "Old club")
    old = {"chat": elsewhere, "invoice_details": {"payload": f"credits:10:in:{elsewhere['id']}", "currency": "XTR",
                                                  "total_amount": 20}}
    assert "not available in this chat" in await refused_at_checkout(fake_api, ann, old)
    assert await Wallets(bot.core._store.db).balance("telegram:1001") == 0
