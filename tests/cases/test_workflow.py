"""The state machine as a table: legal moves, refusals that say what is possible, recovery."""

from __future__ import annotations

import pytest

from doorstep.cases.workflow import (
    STATES,
    TRANSITIONS,
    TransitionRefused,
    allowed_next,
    check_transition,
    is_recovered,
)


def test_every_state_has_a_row_and_every_target_is_a_state() -> None:
    assert set(TRANSITIONS) == set(STATES)
    assert all(set(targets) <= set(STATES) for targets in TRANSITIONS.values())
    # Every state can be reached from open, and every closed state can be reopened.
    reached, frontier = {"open"}, ["open"]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(STATES)
    assert all("reopened" in TRANSITIONS[s] for s in ("resolved", "verified", "closed_unverified"))


def test_people_cannot_claim_verified() -> None:
    assert allowed_next("resolved") == ("closed_unverified", "reopened")
    assert allowed_next("resolved", system=True) == ("verified", "closed_unverified", "reopened")
    with pytest.raises(TransitionRefused, match="set by the customer's re-survey answer") as info:
        check_transition(case_id=7, status="resolved", version=3, to="verified")
    assert info.value.as_dict() == {"id": 7, "status": "resolved", "version": 3,
                                    "allowed": ["closed_unverified", "reopened"]}
    check_transition(case_id=7, status="resolved", version=3, to="verified", system=True)


@pytest.mark.parametrize(("status", "to"), [("open", "resolved"), ("open", "open"), ("contacted", "contacted"),
                                            ("verified", "resolved"), ("closed_unverified", "contacted"),
                                            ("open", "bogus")])
def test_illegal_moves_name_the_state_and_the_options(status: str, to: str) -> None:
    with pytest.raises(TransitionRefused) as info:
        check_transition(case_id=1, status=status, version=1, to=to)
    message = str(info.value)
    assert status in message
    assert info.value.http_status == 409 and info.value.exit_code == 4
    if to != "bogus":
        assert all(option in message for option in allowed_next(status))


@pytest.mark.parametrize(
    ("before", "after", "recovered"),
    [(2, 9, True), (6, 7, True), (0, 8, True), (3, 6, False), (5, 0, False), (7, 9, True), (8, 8, False),
     (9, 10, True), (10, 9, True), (9, 7, False)],
)
def test_recovery(before: int, after: int, recovered: bool) -> None:
    assert is_recovered(before, after) is recovered
