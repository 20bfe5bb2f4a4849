"""An answer from 302.AI that does not say whether a paid call was taken counts as unclear
(OutcomeUnknown: never sent again, counted as spend), not as a refusal."""

from __future__ import annotations

import json

import pytest

from bot.ai302.translate import Reply, read_json
from bot.errors import OutcomeUnknown, Rejected, RetryLater

SUBMIT = "/minimaxi/v1/video_generation"


def reply(body: dict) -> Reply:
    return Reply(200, SUBMIT, json.dumps(body).encode())


def test_an_unknown_status_code_beside_a_task_id_on_a_paid_call_is_outcome_unknown():
    with pytest.raises(OutcomeUnknown) as info:
        read_json(reply({"task_id": "227311208538261", "base_resp": {"status_code": 1999, "status_msg": "?"}}),
                  "key", paid=True)
    assert info.value.code == 1999


def test_the_same_answer_to_a_free_call_is_worth_asking_again():
    with pytest.raises(RetryLater):
        read_json(reply({"task_id": "1", "base_resp": {"status_code": 1999}}), "key")


def test_an_unknown_status_code_without_a_task_id_is_still_a_refusal():
    with pytest.raises(Rejected) as info:
        read_json(reply({"base_resp": {"status_code": 1999, "status_msg": "no"}}), "key", paid=True)
    assert not isinstance(info.value, OutcomeUnknown)
