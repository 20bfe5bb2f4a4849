"""Credit movements. Each function runs inside the caller's transaction, so the ledger rows,
the usage counters and the jobs' states always change together.

Two kinds of money are kept apart:

- **Member credits**, per user and per chat and day: reserved when a job is accepted, then
  committed (delivered) or refunded. reserved = committed + refunded + still in flight.
- **Operator spend**: what 302.AI billed, one `spend` row per accepted paid call (or
  `spend_unconfirmed` where 302.AI may have billed without saying so). It is never refunded.

Member movements (reserve, commit, refund, …) carry the job's price in credits; `spend`
rows and the usage scopes `spend` and `bot` carry its cost in mPTC (bot.domain.money). The
bot-wide ceiling (scope `bot`) holds each job's cost from its reservation on; the hold is
released only when the job ends before 302.AI could have billed it. So the ceiling counts
billed spend plus what is on its way to being billed, and can never be overrun — whatever
members pay, 0 included.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.domain.job import Job
from bot.domain.moves import RESERVE as RESERVE_MOVE, MoneyRule
from bot.quota import Usage, quota_day
from bot.store.rows import Rows, write_rows

__all__ = ["RESERVE", "COMMIT", "REFUND", "SPEND", "SPEND_UNCONFIRMED", "BOT", "OPERATOR", "LEDGER_ROW",
           "Money", "ledger_row", "reserve", "apply", "usage", "spent", "in_flight", "member_scopes",
           "money_for", "reserve_money", "commit_money", "refund_money", "spend_money"]

RESERVE, COMMIT, REFUND = "reserve", "commit", "refund"
SPEND, SPEND_UNCONFIRMED = "spend", "spend_unconfirmed"
WALLET_SPEND, WALLET_REFUND = "wallet_spend", "wallet_refund"  # a job's share paid from purchased credits
_WALLET_ROW = Rows("INSERT INTO wallets (user_key, balance) VALUES", "(?, ?)",
                   " ON CONFLICT (user_key) DO UPDATE SET balance = wallets.balance + excluded.balance")
BOT = "bot"  # usage scope: the bot-wide ceiling (billed spend + holds of jobs not yet billed), in mPTC
OPERATOR = "spend"  # usage scope: what 302.AI billed (or may have), in mPTC
LEDGER_ROW = Rows("INSERT INTO ledger (job_id, user_key, chat_key, entry, amount, at) VALUES", "(?, ?, ?, ?, ?, ?)")
_USAGE_ROW = Rows("INSERT INTO usage (scope, day, spent) VALUES", "(?, ?, ?)",
                  " ON CONFLICT (scope, day) DO UPDATE SET spent = usage.spent + excluded.spent")
IN_FLIGHT_STATES = "('queued', 'submitting', 'running', 'ready')"
# what a runner must carry on: in flight, or failed without the member being told
UNFINISHED = f"(state IN {IN_FLIGHT_STATES} OR (state = 'failed' AND notified = 0))"
# Each query is a round trip to the database thread: ask about many keys at once, staying
# well below SQLite's limit of 32766 bound parameters.
_KEYS_PER_QUERY = 5000


@dataclass
class Money:
    """Ledger rows and usage deltas that go into one transaction together."""

    rows: list[tuple] = field(default_factory=list)
    deltas: Counter[tuple[str, str]] = field(default_factory=Counter)
    wallets: Counter[str] = field(default_factory=Counter)  # user_key -> change of purchased credits

    def add(self, other: Money) -> None:
        self.rows.extend(other.rows)
        self.deltas.update(other.deltas)
        self.wallets.update(other.wallets)


def ledger_row(job: Job, entry: str, amount: int, now: float) -> tuple:
    return (job.id, job.requester.user_key, job.requester.chat_key, entry, amount, now)


def member_scopes(job: Job) -> list[str]:
    names = [f"user:{job.requester.user_key}"]
    if job.requester.chat_key:
        names.append(f"chat:{job.requester.chat_key}")
    return names


def _member(job: Job, entry: str, wallet_entry: str, now: float, sign: int) -> Money:
    """The job's price moving in (+1) or out (-1) of the member's and the chat's day. The
    share paid from purchased credits moves between the day and the wallet instead: it never
    counted against the day, and goes back to the wallet.

    Credits come back into the member's current day: a job reserved at 23:58 and refunded at
    00:05 gives its credits to the new day, where "your credits are back" can be used (in the
    day that ended they would be worth nothing)."""
    money = Money([ledger_row(job, entry, job.price, now)])
    day = job.quota_day if sign > 0 else max(job.quota_day, quota_day(now))
    for scope in member_scopes(job):
        money.deltas[(scope, day)] += sign * job.price
    if job.from_wallet:
        money.deltas[(f"user:{job.requester.user_key}", day)] -= sign * job.from_wallet
        money.wallets[job.requester.user_key] -= sign * job.from_wallet
        money.rows.append(ledger_row(job, wallet_entry, job.from_wallet, now))
    return money


def _hold(money: Money, job: Job, sign: int) -> Money:
    """The job's cost held against (+1), or released from (-1), the bot-wide ceiling."""
    money.deltas[(BOT, job.quota_day)] += sign * job.cost_mptc
    return money


def reserve_money(job: Job, now: float) -> Money:
    return _hold(_member(job, RESERVE, WALLET_SPEND, now, +1), job, +1)


def commit_money(job: Job, now: float) -> Money:
    return Money([ledger_row(job, COMMIT, job.price, now)])


def spend_money(job: Job, now: float, *, confirmed: bool = True) -> Money:
    """What 302.AI billed for the job's paid call (or may have): its cost, whatever its price."""
    money = Money([ledger_row(job, SPEND if confirmed else SPEND_UNCONFIRMED, job.cost_mptc, now)])
    money.deltas[(OPERATOR, job.quota_day)] += job.cost_mptc
    return money


def refund_money(job: Job, now: float, *, billed: bool) -> Money:
    """The member's credits back; the bot-wide hold too, unless 302.AI billed (or may have)."""
    money = _member(job, REFUND, WALLET_REFUND, now, -1)
    return money if billed else _hold(money, job, -1)


def money_for(rule: MoneyRule, job: Job, now: float) -> Money:
    """The ledger rows and usage deltas of a move's money rule (bot.domain.moves)."""
    if rule is MoneyRule.NONE:
        return Money()
    if rule is MoneyRule.REFUND_UNCONFIRMED:
        money = refund_money(job, now, billed=True)
        money.add(spend_money(job, now, confirmed=False))
        return money
    return {MoneyRule.RESERVE: reserve_money, MoneyRule.BILL: spend_money, MoneyRule.COMMIT: commit_money,
            MoneyRule.REFUND_ALL: lambda j, t: refund_money(j, t, billed=False),
            MoneyRule.REFUND_MEMBER: lambda j, t: refund_money(j, t, billed=True)}[rule](job, now)


async def apply(conn: aiosqlite.Connection, money: Money) -> None:
    await write_rows(conn, LEDGER_ROW, money.rows)
    deltas = [(scope, day, delta) for (scope, day), delta in money.deltas.items() if delta]
    await write_rows(conn, _USAGE_ROW, deltas)
    await write_rows(conn, _WALLET_ROW, [(user, delta) for user, delta in money.wallets.items() if delta])


async def reserve(conn: aiosqlite.Connection, jobs: Sequence[Job], now: float) -> None:
    """Reservations for `jobs` (the reservation queue's batch)."""
    total = Money()
    for job in jobs:
        total.add(money_for(RESERVE_MOVE.money[None], job, now))
    await apply(conn, total)


async def spent(conn: aiosqlite.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Credits spent per (scope, day), for every pair asked about (0 where nothing was spent)."""
    keys = list(dict.fromkeys(keys))
    found = {key: 0 for key in keys}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start:start + _KEYS_PER_QUERY]
        sql = ("SELECT json_group_array(json_array(scope, day, spent)) FROM usage WHERE (scope, day) IN "
               "(VALUES " + ", ".join(["(?, ?)"] * len(chunk)) + ")")
        for scope, day, amount in await one_json(conn, sql, [value for key in chunk for value in key]):
            found[(scope, day)] = amount
    return found


async def in_flight(conn: aiosqlite.Connection, user_keys: Iterable[str]) -> Counter[str]:
    return await _per_user(conn, user_keys, lambda marks: (
        f"SELECT json_group_object(user_key, n) FROM (SELECT user_key, COUNT(*) AS n FROM jobs "
        f"WHERE state IN {IN_FLIGHT_STATES} AND user_key IN ({marks}) GROUP BY user_key)"))


async def wallets(conn: aiosqlite.Connection, user_keys: Iterable[str]) -> Counter[str]:
    """Purchased credits left per member (0 for those who never bought any)."""
    return await _per_user(conn, user_keys, lambda marks: (
        f"SELECT json_group_object(user_key, balance) FROM wallets WHERE user_key IN ({marks})"))


async def _per_user(conn: aiosqlite.Connection, user_keys: Iterable[str], sql_for) -> Counter[str]:
    """A number per user key, from `sql_for(placeholders)` answering one JSON object."""
    keys = list(dict.fromkeys(user_keys))
    found: Counter[str] = Counter()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start:start + _KEYS_PER_QUERY]
        found.update(await one_json(conn, sql_for(", ".join("?" * len(chunk))), chunk))
    return found


async def one_json(conn: aiosqlite.Connection, sql: str, params: Sequence) -> Any:
    # One row of JSON, not one row per key: sqlite3 re-takes the GIL for every row it steps,
    # which costs up to a switch interval per row while the event loop is busy.
    [(payload,)] = await conn.execute_fetchall(sql, params)
    return json.loads(payload)


async def usage(conn: aiosqlite.Connection, user_key: str, chat_key: str | None, day: str) -> Usage:
    keys = [(f"user:{user_key}", day), (f"chat:{chat_key}", day), (BOT, day), (OPERATOR, day)]
    amounts = await spent(conn, keys)
    flying = await in_flight(conn, [user_key])
    wallet = await wallets(conn, [user_key])
    return Usage(amounts[keys[0]], flying[user_key], amounts[keys[1]] if chat_key else 0, amounts[keys[2]],
                 operator_spent_mptc=amounts[keys[3]], purchased=wallet[user_key])
