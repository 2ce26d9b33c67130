"""The case state machine: one pure table of legal moves, and the error for an illegal one.

::

    open ──► contacted ──► resolved ──► verified            (the customer answered the re-survey)
                 ▲             │    └──► closed_unverified   (no answer by expiry, or closed by hand)
                 │             ▼
              reopened ◄───────┘ ◄── verified | closed_unverified   (unhappy again)

``verified`` is only ever set by the customer's re-survey answer: it is the proof
that the loop closed, so no button and no API call can claim it. A re-survey answer
that is unhappy again verifies the case (the score is recorded and counts against
the recovery rate) and then reopens it, instead of opening a second case.
"""

from __future__ import annotations

from doorstep.errors import Conflict
from doorstep.stats import classify

STATES = ("open", "contacted", "resolved", "verified", "closed_unverified", "reopened")
ACTIVE = ("open", "contacted", "reopened")  # someone still has to act: the clocks run
CLOSED = ("verified", "closed_unverified")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("contacted",),
    "contacted": ("resolved",),
    "reopened": ("contacted", "resolved"),
    "resolved": ("verified", "closed_unverified", "reopened"),
    "verified": ("reopened",),
    "closed_unverified": ("reopened",),
}
SYSTEM_ONLY = frozenset({"verified"})  # set by the re-survey answer, never by a person


class TransitionRefused(Conflict):
    """An illegal or stale transition. Carries the case's current state, so the caller can
    show it (HTTP 409 body, CLI message) and let the person decide again."""

    def __init__(self, message: str, *, case_id: int, status: str, version: int, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale  # True: the case changed under the caller; False: the move is not legal
        self.case_id = case_id
        self.status = status
        self.version = version
        self.allowed = allowed_next(status)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.case_id, "status": self.status, "version": self.version, "allowed": list(self.allowed)}


def allowed_next(status: str, *, system: bool = False) -> tuple[str, ...]:
    """The states a case in ``status`` may move to; people get fewer than the system."""
    moves = TRANSITIONS.get(status, ())
    return moves if system else tuple(m for m in moves if m not in SYSTEM_ONLY)


def check_transition(*, case_id: int, status: str, version: int, to: str, system: bool = False) -> None:
    """Raise :class:`TransitionRefused` unless ``status → to`` is legal for this actor."""
    if to not in STATES:
        raise TransitionRefused(
            f"'{to}' is not a case state (one of: {', '.join(STATES)})", case_id=case_id, status=status, version=version
        )
    legal = allowed_next(status, system=system)
    if to in legal:
        return
    options = ", ".join(legal) or "nothing"
    why = " (verified is set by the customer's re-survey answer)" if to in SYSTEM_ONLY and not system else ""
    raise TransitionRefused(
        f"case {case_id} is {status}; it can move to: {options}{why}", case_id=case_id, status=status, version=version
    )


_RANK = {"detractor": 0, "passive": 1, "promoter": 2}


def is_recovered(original_score: int, resurvey_score: int) -> bool:
    """A customer came back: the re-survey puts them in a better group than before, or
    among promoters. A passive or promoter after a detractor counts; a detractor again
    never does."""
    before, after = classify(original_score), classify(resurvey_score)
    return after == "promoter" or _RANK[after] > _RANK[before]
