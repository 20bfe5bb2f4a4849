"""Every move a job can make, in one table: the states it leaves, the state it enters, and
what it does to money from each. The store executes any of them the same way (one
conditional transition, its ledger rows in the same transaction: bot.store.jobs), so these
lines are the whole of the rules:

    (new)      --reserve-->        queued      [reserve]
    queued     --claim-->          submitting  [none]
    submitting --unclaim-->        queued      [none]
    submitting --accept_task-->    running     [bill]
    submitting --accept_image-->   ready       [bill]
    running    --ready-->          ready       [none]
    ready      --deliver-->        delivered   [commit]
    queued     --refund-->         failed      [refund_all]
    submitting --refund-->         failed      [refund_unconfirmed]
    running    --refund-->         failed      [refund_member]
    ready      --refund-->         failed      [refund_member]
    queued     --refund_refused--> failed      [refund_all]
    submitting --refund_refused--> failed      [refund_all]
    running    --refund_refused--> failed      [refund_member]
    ready      --refund_refused--> failed      [refund_member]
    queued     --cancel-->         failed      [refund_all]
    ready      --mark_posting-->   ready       [none]
    failed     --mark_posting-->   failed      [none]
    failed     --mark_notified-->  failed      [none]
    queued     --update-->         queued      [none]
    submitting --update-->         submitting  [none]
    running    --update-->         running     [none]
    ready      --update-->         ready       [none]
    failed     --update-->         failed      [none]

(tests/core/test_moves.py checks that these lines and the table agree.) A paid call is
sent only from `submitting`, and `unclaim` is taken only when 302.AI proved it did not take
the call; so a job is billed at most once, and what 302.AI may have billed stays counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.job import IN_FLIGHT, JobState

__all__ = ["MoneyRule", "Move", "MOVES", "RESERVE", "CLAIM", "UNCLAIM", "ACCEPT_TASK", "ACCEPT_IMAGE", "READY",
           "DELIVER", "REFUND", "REFUND_REFUSED", "CANCEL", "MARK_POSTING", "MARK_NOTIFIED", "UPDATE"]


class MoneyRule(StrEnum):
    """What a move writes to the ledger (bot.store.ledger.money_for writes it)."""

    NONE = "none"
    RESERVE = "reserve"  # the price against the member's (and chat's) day, the cost held against the ceiling
    BILL = "bill"  # a `spend` row of the cost: 302.AI took, and billed, the paid call
    COMMIT = "commit"  # the member's reservation committed: the result is theirs
    REFUND_ALL = "refund_all"  # the price back, and the hold on the ceiling: 302.AI never billed
    REFUND_MEMBER = "refund_member"  # the price back; the cost stays counted: 302.AI billed
    REFUND_UNCONFIRMED = "refund_unconfirmed"  # the price back, a `spend_unconfirmed` row: 302.AI may have billed


# short names, so that each move of the table reads on one line: Q queued, S submitting,
# R running, D ready (done at 302.AI), F failed; N the money rules
Q, S, R, D, F = JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING, JobState.READY, JobState.FAILED
N = MoneyRule


@dataclass(frozen=True)
class Move:
    """`money` maps each state the move leaves (None: a job not yet stored) to its money rule;
    `enters` None: the state stays (only fields change). `any_owner`: whoever holds the job's
    lease may make it (a member's press, a field that is not the runner's); otherwise only
    the lease holder. `from_seen`: only from the state the caller's copy shows, so that a
    stale copy moves nothing."""

    name: str
    money: Mapping[JobState | None, MoneyRule]
    enters: JobState | None
    any_owner: bool = False
    from_seen: bool = False

    @property
    def leaves(self) -> frozenset[JobState]:
        return frozenset(state for state in self.money if state is not None)


def _same(rule: MoneyRule, *states: JobState) -> dict[JobState | None, MoneyRule]:
    return dict.fromkeys(states, rule)


RESERVE = Move("reserve", {None: N.RESERVE}, Q)  # carried out by the reservation queue, with the quota check
CLAIM = Move("claim", _same(N.NONE, Q), S)  # stored before the paid call is sent
UNCLAIM = Move("unclaim", _same(N.NONE, S), Q)  # 302.AI proved it did not take the call (429, 1002, 503)
ACCEPT_TASK = Move("accept_task", _same(N.BILL, S), R)  # a video or an asynchronous image: a task id
ACCEPT_IMAGE = Move("accept_image", _same(N.BILL, S), D)  # a synchronous image: 302.AI answered with the picture
READY = Move("ready", _same(N.NONE, R), D)
DELIVER = Move("deliver", _same(N.COMMIT, D), JobState.DELIVERED)
# any ending short of delivery; where the paid call may have left, it counts as billed
REFUND = Move("refund", {Q: N.REFUND_ALL, S: N.REFUND_UNCONFIRMED, R: N.REFUND_MEMBER, D: N.REFUND_MEMBER}, F,
              from_seen=True)
# the same, when 302.AI said no to the paid call (a refused key, a flagged prompt): not billed
REFUND_REFUSED = Move("refund_refused", {Q: N.REFUND_ALL, S: N.REFUND_ALL, R: N.REFUND_MEMBER, D: N.REFUND_MEMBER},
                      F, from_seen=True)
# the member's press, while 302.AI has not seen the job; whichever worker holds it
CANCEL = Move("cancel", _same(N.REFUND_ALL, Q), F, any_owner=True)
MARK_POSTING = Move("mark_posting", _same(N.NONE, D, F), None, from_seen=True)  # a post (or notice) under way
MARK_NOTIFIED = Move("mark_notified", _same(N.NONE, F), None)
UPDATE = Move("update", _same(N.NONE, *IN_FLIGHT, F), None, any_owner=True)  # destination, URL: not the state

MOVES: tuple[Move, ...] = (RESERVE, CLAIM, UNCLAIM, ACCEPT_TASK, ACCEPT_IMAGE, READY, DELIVER, REFUND,
                           REFUND_REFUSED, CANCEL, MARK_POSTING, MARK_NOTIFIED, UPDATE)
