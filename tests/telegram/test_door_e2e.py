"""The one door for Telegram updates, through real python-telegram-bot: an update is marked
handled only when its handler returned normally, a failed one is tried again (and parked,
the admins told, when it keeps failing), every change it makes is keyed on it, and two
receivers on one store never both handle it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.store.wallet import Wallets
from tests.conftest import wait_for
from tests.telegram.conftest import ADMIN_ID
from tests.telegram.test_admin_e2e import boss_started_the_bot, texts_to

SHOP = {"stars_per_credit": 2, "credit_packs": (10, 50)}
# the database refusing a write, as `database is locked`, a full disk or a dropped connection do
FAIL_PAYMENTS = ("CREATE TRIGGER fail_payments BEFORE INSERT ON payments "
                 "BEGIN SELECT RAISE(ABORT, 'database is locked'); END")


async def invoice_for(fake_api, member: dict, chat: dict, pack: int = 10) -> dict:
    await fake_api.send_text(member, chat, f"/buy {pack}")
    return await fake_api.wait_until(lambda: next((m for m in fake_api.chat(chat["id"]) if "invoice" in m), None))


async def until(probe, what: str, timeout: float = 10.0):
    """Poll the coroutine function `probe` until it returns something true; fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await probe()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
    return result


def paid_update(fake_api) -> dict:
    return next(u for u in fake_api.pushed if "successful_payment" in u.get("message", {}))


async def _tried(bot, update_id: int) -> bool:
    row = await inbox_row(bot, update_id)
    return row["failures"] >= 1 or row["handled_at"] is not None


async def inbox_row(bot, update_id: int):
    return await bot.core.inbox._db.fetchone(
        "SELECT failures, handled_at FROM inbox WHERE update_id = ?", (update_id,))


async def test_a_stars_payment_whose_first_write_fails_is_credited_exactly_once(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(**SHOP)
    bot.adapter.intake.backoff = lambda failures: 0.5
    db = bot.core.inbox._db
    invoice = await invoice_for(fake_api, ann, ann_chat)
    async with db.transaction() as conn:
        await conn.execute(FAIL_PAYMENTS)

    charge = await fake_api.pay(ann, invoice)
    update_id = paid_update(fake_api)["update_id"]
    await until(lambda: inbox_row(bot, update_id), "the payment to be stored")
    await until(lambda: _tried(bot, update_id), "the first write to fail")
    async with db.transaction() as conn:
        await conn.execute("DROP TRIGGER fail_payments")  # the database is back

    await fake_api.wait_until(lambda: any("added" in (m.get("text") or "") for m in fake_api.chat(ann_chat["id"])))
    await wait_for(lambda: update_id not in bot.adapter.intake._active, what="the payment to be handled")
    wallets = Wallets(db)
    assert await wallets.balance("telegram:1001") == 10
    assert (await wallets.payment(charge))[1] == 10
    row = await inbox_row(bot, update_id)
    assert row["handled_at"] is not None and row["failures"] >= 1
    assert await bot.core.inbox.parked("telegram") == []
    thanks = [m for m in fake_api.chat(ann_chat["id"]) if "added" in (m.get("text") or "")]
    assert len(thanks) == 1


async def test_a_payment_that_keeps_failing_is_parked_and_every_admin_is_told_its_charge_id(
        start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(**SHOP)
    bot.adapter.intake.backoff = lambda failures: 0.01
    await boss_started_the_bot(fake_api)
    db = bot.core.inbox._db
    invoice = await invoice_for(fake_api, ann, ann_chat)
    async with db.transaction() as conn:
        await conn.execute(FAIL_PAYMENTS)

    charge = await fake_api.pay(ann, invoice)

    alert = await fake_api.wait_until(lambda: next((t for t in texts_to(fake_api, ADMIN_ID) if charge in t), None))
    assert "parked" in alert and "NOT added" in alert
    update_id = paid_update(fake_api)["update_id"]
    assert [e.update_id for e in await bot.core.inbox.parked("telegram")] == [update_id]
    assert await bot.core.inbox.unhandled("telegram") == []  # not tried again, not dropped
    assert await Wallets(db).balance("telegram:1001") == 0
    apology = await fake_api.wait_until(lambda: next(
        (m for m in fake_api.chat(ann_chat["id"]) if "went wrong" in (m.get("text") or "")), None))
    assert apology is not None


async def test_an_admin_grant_whose_answer_meets_flood_control_is_applied_once(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot()
    bot.adapter.intake.backoff = lambda failures: 0.05
    boss = await boss_started_the_bot(fake_api)
    hello = await fake_api.send_text(ann, ann_chat, "/quota")  # the bot has now seen @ann
    await fake_api.wait_until(lambda: fake_api.reply_with(hello, "text"))
    fake_api.fail_next("sendMessage", retry_after=0.01, times=5)  # every try of the answer, this time

    await fake_api.send_text(boss, fake_api.private_chat(boss), "/admin grant @ann 15 birthday")

    await fake_api.wait_until(lambda: any("Granted 15 credits" in t for t in texts_to(fake_api, ADMIN_ID)))
    update_id = fake_api.pushed[-1]["update_id"]
    await wait_for(lambda: update_id not in bot.adapter.intake._active, what="the grant to be handled")
    assert (await inbox_row(bot, update_id))["failures"] == 1  # it was handled twice
    grants = await bot.core.inbox._db.fetchall("SELECT amount FROM ledger WHERE entry = 'grant'")
    assert [r["amount"] for r in grants] == [15]
    quota = await fake_api.send_text(ann, ann_chat, "/quota")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(quota, "text"))
    assert "65" in reply["text"]


async def test_two_receivers_on_one_store_never_both_handle_an_update(
        start_bot, tg_config, fake_api, simulator, ann, ann_chat, tmp_path, backend):
    simulator.configure(video_seconds=30)
    config = replace(tg_config, webhook_url="https://bot.example.org/telegram-hook", webhook_listen="127.0.0.1:0")
    shared = tmp_path / "shared.db"  # SQLite: two fronts on one file; PostgreSQL: any two processes
    first, second = [await start_bot(config=config, db_path=shared, runs_jobs=False, **backend) for _ in range(2)]
    fake_api.webhook_port = first.adapter.receiver.port
    answers = fake_api.hold("sendMessage")

    command = await fake_api.send_text(ann, ann_chat, "/video a paper boat")  # stored, claimed by the first
    await fake_api.wait_until(lambda: fake_api.held)  # its "Queued" is on its way
    update_id = fake_api.pushed[-1]["update_id"]
    swept = await second.adapter.intake._replay()  # the second's sweep comes round meanwhile
    answers.set()

    assert swept == []
    await wait_for(lambda: update_id not in first.adapter.intake._active, what="the first to finish it")
    assert await first.core.inbox.is_handled("telegram", update_id)
    assert len([m for m in fake_api.replies_to(command) if "text" in m]) == 1
    jobs = await first.core.inbox._db.fetchall("SELECT id FROM jobs")
    assert len(jobs) == 1
