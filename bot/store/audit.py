"""Checks that both ledgers balance: what tests, the soak bench and an operator can run."""

from __future__ import annotations

from bot.store.database import Database

__all__ = ["ledger_problems"]


async def ledger_problems(db: Database) -> list[str]:
    """Every way the ledgers fail to balance, in words; empty when they hold:
    - member credits: reserved = committed + refunded + still in flight, per job;
    - operator spend: at most one billed row per job, one for every job 302.AI accepted, and
      the usage counters equal to the ledger (the bot-wide ceiling = billed + unbilled holds)."""
    rows = await db.fetchall("""
        SELECT j.id, j.state, j.price, j.cost_mptc,
          COALESCE(SUM(CASE l.entry WHEN 'reserve' THEN l.amount END), 0) AS reserved,
          COALESCE(SUM(CASE l.entry WHEN 'commit' THEN l.amount END), 0) AS committed,
          COALESCE(SUM(CASE l.entry WHEN 'refund' THEN l.amount END), 0) AS refunded,
          COUNT(CASE WHEN l.entry IN ('spend', 'spend_unconfirmed') THEN 1 END) AS billed
        FROM jobs j LEFT JOIN ledger l ON l.job_id = j.id GROUP BY j.id""")
    problems = []
    hold = 0
    for row in rows:
        in_flight = row["price"] if row["state"] in ("queued", "submitting", "running", "ready") else 0
        if row["reserved"] != row["price"] or row["reserved"] != row["committed"] + row["refunded"] + in_flight:
            problems.append(f"job {row['id']} ({row['state']}): member ledger does not balance")
        if row["state"] == "delivered" and (row["committed"] != row["price"] or row["billed"] != 1):
            problems.append(f"job {row['id']}: delivered without its commit and one billed row")
        if row["state"] == "failed" and row["refunded"] != row["price"]:
            problems.append(f"job {row['id']}: failed without its refund")
        if row["billed"] > 1:
            problems.append(f"job {row['id']}: billed {row['billed']} times")
        if row["state"] in ("running", "ready") and row["billed"] != 1:
            problems.append(f"job {row['id']} ({row['state']}): accepted by 302.AI but not counted as spend")
        # the ceiling holds the cost (mPTC) of what was billed and of what is still in flight
        hold += row["cost_mptc"] if (row["billed"] or in_flight) else 0
    usage = {r["scope"]: r["s"] for r in await db.fetchall(
        "SELECT CASE WHEN scope LIKE 'user:%' THEN 'users' ELSE scope END AS scope, SUM(spent) AS s "
        "FROM usage WHERE scope NOT LIKE 'chat:%' GROUP BY 1")}
    net = await db.fetchone("SELECT COALESCE(SUM(CASE entry WHEN 'reserve' THEN amount WHEN 'refund' THEN -amount "
                            "WHEN 'reversal' THEN -amount WHEN 'wallet_spend' THEN -amount "
                            "WHEN 'wallet_refund' THEN amount ELSE 0 END), 0) AS members, "
                            "COALESCE(SUM(CASE entry WHEN 'purchase' THEN amount WHEN 'purchase_refund' THEN -amount "
                            "WHEN 'wallet_spend' THEN -amount WHEN 'wallet_refund' THEN amount ELSE 0 END), 0) AS wallets, COALESCE(SUM(CASE WHEN entry IN ('spend', "
                            "'spend_unconfirmed') THEN amount ELSE 0 END), 0) AS billed FROM ledger")
    if usage.get("users", 0) != net["members"]:
        problems.append(f"member usage {usage.get('users', 0)} != ledger {net['members']}")
    if usage.get("spend", 0) != net["billed"]:
        problems.append(f"operator spend {usage.get('spend', 0)} != ledger {net['billed']}")
    balances = await db.fetchone("SELECT COALESCE(SUM(balance), 0) AS b, COUNT(CASE WHEN balance < 0 THEN 1 END) "
                                 "AS negative FROM wallets")
    if balances["b"] != net["wallets"] or balances["negative"]:
        problems.append(f"purchased credits {balances['b']} != ledger {net['wallets']} (or a wallet below 0)")
    if usage.get("bot", 0) != hold:
        problems.append(f"bot-wide ceiling counts {usage.get('bot', 0)}, billed + holds are {hold}")
    return problems
