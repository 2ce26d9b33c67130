"""`doorstep demo` loads through the real import path: cases, invitations and NPS come out right."""

import datetime as dt

from sqlalchemy import func, select

from doorstep.cases.models import Case
from doorstep.demo.loader import load_demo
from doorstep.stats import DETRACTOR_MAX
from doorstep.surveys.models import Invitation, Response

# The same seed and `now` give the same rows (demo/generator.py). Three loads with the real clock
# saw time move between them: SLA clocks in business hours and the "fresh case" cut-off moved
# with it, and the rebuilt workspace once held 560 answers instead of 565 (CI, PostgreSQL).
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def test_small_demo_loads_and_reloads(database) -> None:
    lines = load_demo(database, seed=3, total_deliveries=1500, now=NOW)
    assert any(line.startswith("food") and "NPS" in line for line in lines)
    assert any("try a survey (zh)" in line for line in lines)
    with database.read() as s:
        # Re-survey answers verify (or reopen) their case instead of opening one (cases/verify.py).
        resurveys = select(Invitation.id).where(Invitation.kind == "resurvey")
        first_answers = Response.invitation_id.is_(None) | Response.invitation_id.not_in(resurveys)
        detractors = s.scalar(
            select(func.count()).select_from(Response).where(Response.score <= DETRACTOR_MAX, first_answers)
        )
        assert detractors > 0
        assert s.scalar(select(func.count()).select_from(Case)) == detractors
        open_invitations = s.scalar(select(func.count()).select_from(Invitation).where(Invitation.status == "pending"))
        assert open_invitations > 0
        responses = s.scalar(select(func.count()).select_from(Response))
    again = load_demo(database, seed=3, total_deliveries=1500, now=NOW)
    assert sum("already loaded" in line for line in again) == 2
    assert not any("shown once" in line for line in again)  # keys are shown only when created
    assert any("try a survey" in line for line in again)
    rebuilt = load_demo(database, seed=3, total_deliveries=1500, reset=True, now=NOW)
    assert any(line.startswith("saas") for line in rebuilt)
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == responses
