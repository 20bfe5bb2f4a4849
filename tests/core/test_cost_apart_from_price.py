"""What 302.AI charges (a model's cost, in PTC) is kept apart from what a member pays (its
price, in credits): the operator's ceiling, spend and reports count the first, member
quotas the second, and an operator may set either without moving the other."""

from __future__ import annotations

import aiosqlite
import pytest

from bot.catalog import Catalog, default_models
from bot.domain.requests import Requester
from bot.config import Settings, SettingsError
from bot.domain.money import parse_ptc, ptc_text
from bot.errors import QuotaExceeded
from bot.store.audit import ledger_problems
from bot.store.database import Database
from bot.store.schema import MIGRATIONS
from tests.conftest import RecordingMessenger
from tests.core.helpers import ALICE, BOB, ledger_balances, request

ADMIN = Requester("test", "root", chat_id="chat-1", name="Root", is_admin=True)
CAROL = Requester("test", "carol", chat_id="chat-1", name="Carol")


async def test_free_videos_still_count_what_302ai_charges_against_a_ceiling_of_one_ptc(make_core, simulator):
    core = await make_core(prices={"T2V-01": 0}, bot_daily_mptc=parse_ptc("1"), max_in_flight=10)
    core.register("test", RecordingMessenger())
    await core.start()
    for who in (ALICE, BOB):
        ticket = await core.submit(request("video", f"a free cat for {who.name}", who=who, model="T2V-01"))
        assert ticket.price == 0
    with pytest.raises(QuotaExceeded, match="spending limit"):
        await core.submit(request("video", "a third free cat", who=CAROL, model="T2V-01"))
    await core.wait_idle()
    assert len(simulator.billed) == 2
    assert (await core.quota(ALICE)).used_today == 0  # the member paid nothing
    report = await core.admin.usage(ADMIN)
    assert report.operator_mptc == 2 * 500 and report.members_credits == 0
    assert "302.AI billed 1 PTC" in report.table()
    assert str(await core.operator_spend()) == "operator spend today: 1 PTC of the bot-wide ceiling of 1 PTC"
    assert await ledger_balances(core)


async def test_a_dearer_price_does_not_move_what_the_ceiling_counts(make_core, simulator):
    core = await make_core(prices={"T2V-01": 40}, daily_credits=100, bot_daily_mptc=parse_ptc("1.5"),
                           max_in_flight=10)
    core.register("test", RecordingMessenger())
    await core.start()
    await core.submit(request("video", "a dear cat", model="T2V-01"))
    await core.wait_idle()
    assert (await core.quota(ALICE)).used_today == 40
    assert (await core.operator_spend()).mptc == 500
    assert await ledger_balances(core)


def test_costs_are_read_in_ptc_and_kept_exact():
    settings = Settings.from_env({"REELBOT_COSTS": "T2V-01=0.45, hailuo=1", "REELBOT_BOT_DAILY_PTC": "12.5"})
    assert settings.costs == {"T2V-01": 450, "hailuo": 1000} and settings.bot_daily_mptc == 12_500
    catalog = Catalog(default_models(), settings.prices, settings.costs)
    assert catalog.get("T2V-01").cost_for({}) == 450 and catalog.get("T2V-01").price == 5
    hailuo = catalog.get("MiniMax-Hailuo-02")
    assert hailuo.cost_for({"resolution": "1080P", "duration": "6"}) == 2000  # the table scales the override
    assert catalog.get("S2V-01").cost_for({}) == 700  # the documented 0.7 PTC
    assert ptc_text(450) == "0.45" and ptc_text(12_500) == "12.5" and ptc_text(0) == "0"


def test_the_older_ceiling_in_credits_still_works_at_a_tenth_of_a_ptc_each():
    assert Settings.from_env({"REELBOT_BOT_DAILY_CREDITS": "10"}).bot_daily_mptc == 1000
    assert Settings.from_env({}).bot_daily_mptc == 200_000  # the old default of 2000 credits
    # .env.example lists both, the older one empty
    assert Settings.from_env({"REELBOT_BOT_DAILY_CREDITS": "", "REELBOT_BOT_DAILY_PTC": "1"}).bot_daily_mptc == 1000
    with pytest.raises(SettingsError, match="not both"):
        Settings.from_env({"REELBOT_BOT_DAILY_CREDITS": "10", "REELBOT_BOT_DAILY_PTC": "1"})


@pytest.mark.parametrize("raw", ["T2V-01=0.0005", "T2V-01=-1", "T2V-01", "T2V-01=lots"])
def test_a_cost_that_is_not_a_ptc_amount_names_the_setting(raw):
    with pytest.raises(SettingsError, match="REELBOT_COSTS"):
        Settings.from_env({"REELBOT_COSTS": raw})


def test_a_hailuo_price_of_zero_stays_zero_for_every_option():
    hailuo = Catalog(default_models(), {"hailuo": 0}).get("MiniMax-Hailuo-02")
    assert hailuo.price_for({"resolution": "1080P", "duration": "6"}) == 0
    assert hailuo.cost_for({"resolution": "1080P", "duration": "6"}) == 1000


async def test_jobs_stored_before_costs_get_the_cost_their_price_stood_for(tmp_path):
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as conn:  # a database as the previous release left it
        for script in MIGRATIONS[:9]:
            for statement in filter(str.strip, script.split(";")):
                await conn.execute(statement)
        await conn.execute("PRAGMA user_version = 9")
        await conn.execute("INSERT INTO users VALUES ('test:alice', 'test', 'alice', 'Alice', 0, 0)")
        await conn.execute(
            "INSERT INTO jobs (id, user_key, platform, user_id, command, model, prompt, options, destination, "
            "cost, quota_day, state, created_at, deadline_at) VALUES ('j1', 'test:alice', 'test', 'alice', "
            "'video', 'T2V-01', 'p', '{}', '{}', 5, '2026-01-01', 'delivered', 0, 1)")
        for entry in ("reserve", "commit", "spend"):
            await conn.execute("INSERT INTO ledger (job_id, user_key, entry, amount, at) "
                               "VALUES ('j1', 'test:alice', ?, 5, 0)", (entry,))
        await conn.executemany("INSERT INTO usage VALUES (?, '2026-01-01', 5)", [("user:test:alice",), ("bot",),
                                                                                 ("spend",)])
        await conn.commit()
    db = await Database.open(path)
    try:
        [job] = await db.fetchall("SELECT price, cost_mptc FROM jobs")
        assert (job["price"], job["cost_mptc"]) == (5, 500)
        usage = {r["scope"]: r["spent"] for r in await db.fetchall("SELECT scope, spent FROM usage")}
        assert usage == {"user:test:alice": 5, "bot": 500, "spend": 500}
        assert await ledger_problems(db) == []
    finally:
        await db.close()
