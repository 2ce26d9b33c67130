"""Drivers on hand-built answers with a known answer: themes and stages by impact, with intervals.

200 answers. 40 mention "cold" (stage delivered): 4 promoters, 30 detractors (NPS −65).
20 mention "rude" (also delivered): 8 promoters, 8 detractors (NPS 0). The other 140
mention nothing: 100 promoters, 10 detractors. Overall: 112 P, 48 D of 200 → NPS 32.
Without "cold": 108 P, 18 D of 160 → 56.25 → impact of cold = 32 − 56.25 = −24.3.
Without "rude": 104 P, 40 D of 180 → 35.6 → impact −3.6 (not significant).
Stages: the cold and rude answers are attributed to delivered (picked), the rest to none.
"""

import datetime as dt

import pytest
from sqlalchemy import insert, update

from doorstep.accounts.services import get_workspace
from doorstep.db import table_of
from doorstep.deliveries.services import add_stage
from doorstep.insight.drivers import ThemeLabel, drivers, stage_counts, theme_counts
from doorstep.insight.models import ResponseTheme
from doorstep.surveys.models import Response

T0 = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)


def scores(promoters: int, passives: int, detractors: int) -> list[int]:
    return [10] * promoters + [8] * passives + [2] * detractors


GROUPS = {"cold": scores(4, 6, 30), "rude": scores(8, 4, 8), None: scores(100, 30, 10)}


@pytest.fixture
def loaded(database, workspace, clock):
    import io

    from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv

    answers = [(theme, score) for theme, group in GROUPS.items() for score in group]
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        add_stage(session=s, workspace=ws, key="prepared")
        delivered = add_stage(session=s, workspace=ws, key="delivered", name="Delivered", name_zh="送达")
        deliveries = "external_id,customer_id,delivered_at\n" + "".join(
            f"D{i},c{i},2026-02-01T10:00:00Z\n" for i in range(len(answers))
        )
        import_deliveries_csv(session=s, workspace=ws, stream=io.StringIO(deliveries), now=clock())
        rows = "delivery_external_id,score,responded_at\n" + "".join(
            f"D{i},{score},{(T0 + dt.timedelta(minutes=i)).isoformat()}\n" for i, (_, score) in enumerate(answers)
        )
        import_responses_csv(session=s, workspace=ws, stream=io.StringIO(rows), now=clock())
        ids = dict(s.execute(Response.__table__.select().with_only_columns(Response.source_key, Response.id)).all())
        themes, attributed = [], []
        for i, (theme, score) in enumerate(answers):
            if theme is None:
                continue
            at = T0 + dt.timedelta(minutes=i)
            rid = ids[f"csv:D{i}:{at.isoformat(timespec='seconds')}"]
            themes.append(
                {"response_id": rid, "theme": theme, "workspace_id": ws.id, "responded_at": at, "score": score}
            )
            attributed.append(rid)
        s.execute(insert(table_of(ResponseTheme)), themes)
        s.execute(
            update(Response)
            .where(Response.id.in_(attributed))
            .values(attributed_stage_id=delivered.id, attribution="picked")
        )
    return database


LABELS = {
    "cold": ThemeLabel("Cold food", "餐品凉了", "delivered"),
    "rude": ThemeLabel("Courier manner", "骑手态度", "delivered"),
    "missing": ThemeLabel("Missing items", "缺件", "prepared"),
}


def test_counts(loaded) -> None:
    with loaded.read() as s:
        ws = get_workspace(session=s, slug="default")
        themes = theme_counts(session=s, workspace=ws)
        stages = stage_counts(session=s, workspace=ws)
    assert (themes["cold"].responses, themes["cold"].promoters, themes["cold"].detractors) == (40, 4, 30)
    assert sorted(s.responses for s in stages.values()) == [60, 140]


def test_drivers_by_hand(loaded) -> None:
    with loaded.read() as s:
        ws = get_workspace(session=s, slug="default")
        result = drivers(session=s, workspace=ws, labels=LABELS)
    assert (result["responses"], result["nps"]) == (200, 32.0)
    by_key = {(d["kind"], d["key"]): d for d in result["drivers"]}
    cold = by_key[("theme", "cold")]
    assert (cold["mentions"], cold["nps"], cold["nps_impact"]) == (40, -65.0, -24.3)
    assert cold["significant"] and not cold["small_sample"]
    low, high = cold["impact_ci95"]
    assert low < -24.3 < high < 0
    assert (cold["name"], cold["name_zh"], cold["stage"]) == ("Cold food", "餐品凉了", "delivered")
    rude = by_key[("theme", "rude")]
    assert (rude["mentions"], rude["nps"], rude["nps_impact"]) == (20, 0.0, -3.6)
    assert not rude["significant"] and rude["small_sample"]
    # A theme of the taxonomy that nobody mentioned is listed, harmless, last among the themes.
    missing = by_key[("theme", "missing")]
    assert (missing["mentions"], missing["nps"], missing["nps_impact"], missing["significant"]) == (0, None, 0.0, False)
    # delivered: 60 answers (12 P, 38 D) → −43.3; rest 100 P, 10 D of 140 → 64.3; impact 32 − 64.3 = −32.3
    delivered = by_key[("stage", "delivered")]
    assert (delivered["mentions"], delivered["nps"], delivered["nps_impact"]) == (60, -43.3, -32.3)
    assert delivered["significant"]
    # Most harmful first.
    order = [(d["kind"], d["key"]) for d in result["drivers"]]
    assert order[:3] == [("stage", "delivered"), ("theme", "cold"), ("theme", "rude")]
    impacts = [d["nps_impact"] for d in result["drivers"]]
    assert impacts == sorted(impacts)


def test_drivers_kind_and_period(loaded) -> None:
    with loaded.read() as s:
        ws = get_workspace(session=s, slug="default")
        stages_only = drivers(session=s, workspace=ws, labels=LABELS, kind="stage")
        # The first 40 minutes hold exactly the cold answers.
        early = drivers(session=s, workspace=ws, labels=LABELS, until=T0 + dt.timedelta(minutes=40))
    assert {d["kind"] for d in stages_only["drivers"]} == {"stage"}
    assert early["responses"] == 40
    cold = next(d for d in early["drivers"] if d["key"] == "cold")
    assert (cold["mentions"], cold["nps_impact"], cold["impact_ci95"]) == (40, 0.0, None)  # everyone: no "rest"


def test_unknown_themes_still_show(loaded) -> None:
    with loaded.read() as s:
        ws = get_workspace(session=s, slug="default")
        result = drivers(session=s, workspace=ws, labels={})
    names = {d["key"]: d["name"] for d in result["drivers"] if d["kind"] == "theme"}
    assert names == {"cold": "cold", "rude": "rude"}


def test_empty_workspace(database, workspace) -> None:
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        result = drivers(session=s, workspace=ws, labels=LABELS)
    assert result["responses"] == 0 and result["nps"] is None and result["ci95"] is None
    assert all(d["nps_impact"] is None for d in result["drivers"])


def test_counts_past_the_packed_range(loaded, monkeypatch) -> None:
    """Beyond 2²¹ answers the three counts no longer share one integer: the same figures, two sums."""
    from doorstep.insight import drivers as drivers_module

    with loaded.read() as s:
        ws = get_workspace(session=s, slug="default")
        narrow = stage_counts(session=s, workspace=ws)
        monkeypatch.setattr(drivers_module, "NARROW", 2)
        wide = stage_counts(session=s, workspace=ws)
    assert narrow == wide and sum(g.responses for g in wide.values()) == 200
