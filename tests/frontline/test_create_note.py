"""create_note: the frontline's words analysed like a customer's, and nothing stored that does not belong."""

from __future__ import annotations

import pytest
from tests.briefs.seed import seed
from tests.conftest import make_workspace

from doorstep.accounts.services import get_workspace
from doorstep.deliveries.services import list_stages
from doorstep.errors import InvalidInput
from doorstep.frontline.services import MAX_TEXT, create_note


def test_a_note_is_analysed_and_tied_to_its_stage_and_delivery(database, workspace, clock) -> None:
    seed(database, "default", clock())
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        zh = create_note(session=s, workspace=ws, text="  汤洒了一路，饺子也凉了  ", delivery_external_id="D3",
                         now=clock())
        en = create_note(session=s, workspace=ws, text="Deliveries run late every evening", stage_key="prepared",
                         now=clock())
        got = [(n.text, n.language, sorted(n.themes), n.sentiment is not None and n.sentiment < 0, n.stage_id,
                n.delivery_id is not None, n.status, n.votes) for n in (zh, en)]
        stage_ids = {st.key: st.id for st in list_stages(session=s, workspace=ws)}
    assert got[0][:4] == ("汤洒了一路，饺子也凉了", "zh", ["spillage", "temperature"], True)
    assert got[0][5:] == (True, "new", 0)
    assert got[0][4] is not None  # no stage given: the words point to one
    assert got[1][1] == "en" and "timeliness" in got[1][2] and got[1][4] is not None
    assert got[1][4] == stage_ids["prepared"] and got[0][4] == stage_ids["delivered"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * (MAX_TEXT + 1)}, "text"),
        ({"text": "late", "stage_key": "no_such_stage"}, "stage"),
        ({"text": "late", "delivery_external_id": "nope"}, "delivery"),
        ({"text": "late", "delivery_external_id": "D1"}, "delivery"),  # the other workspace's delivery
    ],
)
def test_bad_notes_are_refused(database, workspace, clock, kwargs, field) -> None:
    seed(database, "default", clock())
    make_workspace(database, "other", timezone="UTC")
    with database.write() as s:
        other = get_workspace(session=s, slug="other")
        with pytest.raises(InvalidInput) as refused:
            create_note(session=s, workspace=other, now=clock(), **kwargs)
    assert refused.value.problem.field == field
