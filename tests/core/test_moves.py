"""The table of moves (bot.domain.moves) is the one place that says which moves a job can
make and what each does to money; its docstring draws it. The two must agree."""

from __future__ import annotations

import re

from bot.domain import moves
from bot.domain.job import IN_FLIGHT, JobState
from bot.domain.moves import MOVES, MoneyRule

_LINE = re.compile(r"^\s*(\(new\)|\w+)\s+--(\w+)-->\s+(\w+)\s+\[(\w+)\]\s*$")


def drawn() -> set[tuple[str, str, str, str]]:
    return {m.groups() for line in moves.__doc__.splitlines() if (m := _LINE.match(line))}


def tabled() -> set[tuple[str, str, str, str]]:
    return {("(new)" if left is None else str(left), move.name, str(move.enters or left), str(rule))
            for move in MOVES for left, rule in move.money.items()}


def test_the_drawn_diagram_and_the_table_of_moves_agree():
    assert len(drawn()) > 20
    assert drawn() == tabled()


def test_every_move_has_a_unique_name_and_the_table_lists_them_all():
    names = [move.name for move in MOVES]
    assert len(names) == len(set(names))
    declared = [value.name for value in vars(moves).values() if isinstance(value, moves.Move)]
    assert sorted(declared) == sorted(names)


def test_only_an_accepted_paid_call_bills_and_only_delivery_commits():
    billing = {(str(left), move.name) for move in MOVES for left, rule in move.money.items() if rule is MoneyRule.BILL}
    assert billing == {("submitting", "accept_task"), ("submitting", "accept_image")}
    committing = {move.name for move in MOVES if MoneyRule.COMMIT in move.money.values()}
    assert committing == {"deliver"}


def test_a_job_that_may_have_been_billed_keeps_its_cost_counted_when_refunded():
    for move in (moves.REFUND, moves.REFUND_REFUSED):
        for state in (JobState.RUNNING, JobState.READY):
            assert move.money[state] is MoneyRule.REFUND_MEMBER
        assert move.money[JobState.QUEUED] is MoneyRule.REFUND_ALL
    assert moves.REFUND.money[JobState.SUBMITTING] is MoneyRule.REFUND_UNCONFIRMED


def test_no_move_leaves_a_finished_delivered_job_and_every_in_flight_state_can_end():
    assert all(JobState.DELIVERED not in move.leaves for move in MOVES)
    endings = {left for move in MOVES if move.enters in (JobState.FAILED, JobState.DELIVERED) for left in move.leaves}
    assert set(IN_FLIGHT) <= endings
