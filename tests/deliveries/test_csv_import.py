"""The DESIGN.md CSV formats: exact columns, bad rows with line and field, nothing half-imported."""

import io
import textwrap

import pytest
from sqlalchemy import func, select

from doorstep.accounts.services import ensure_workspace
from doorstep.cases.models import Case
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv
from doorstep.deliveries.models import Customer, Delivery, Stage, StageEvent
from doorstep.errors import ImportFailed
from doorstep.surveys.models import Response

DELIVERIES = textwrap.dedent("""\
    external_id,customer_id,customer_name,customer_email,customer_locale,owner,promised_at,delivered_at,stage.ordered,stage.prepared,stage.delivered,team,region
    A1,c1,张三,z@example.cn,zh-CN,rider-1,2026-03-01T12:30:00,2026-03-01T12:40:00,2026-03-01T12:00:00,2026-03-01T12:10:00,2026-03-01T12:40:00,north,east
    A2,c2,Bob,b@example.com,en,rider-2,2026-03-01T12:30:00+08:00,2026-03-01T12:20:00+08:00,2026-03-01T12:00:00+08:00,2026-03-01T12:10:00+08:00,2026-03-01T12:20:00+08:00,south,west
    A3,c3,,,,,,,2026-03-01T12:00:00,,,south,
""")

RESPONSES = textwrap.dedent("""\
    delivery_external_id,score,comment,stage,responded_at,source
    A1,3,"汤洒了，饭也凉了",delivered,2026-03-01T13:00:00,app
    A2,10,"arrived early, still hot",,2026-03-01T13:00:00+08:00,email
    A2,6,"<script>alert(1)</script>'; DROP TABLE responses;--",,2026-03-02T09:00:00Z,email
""")


def run(database, importer, text, now, slug="default", **kw):
    with database.write() as session:
        ws = ensure_workspace(session=session, slug=slug, timezone="Asia/Shanghai")
        return importer(session=session, workspace=ws, stream=io.StringIO(text), now=now, **kw)


def counts(database):
    with database.read() as s:
        return {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Delivery, Customer, StageEvent, Response, Case, Stage)
        }


def test_import_both_files_then_again_changes_nothing(database, clock) -> None:
    first = run(database, import_deliveries_csv, DELIVERIES, clock())
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    answers = run(database, import_responses_csv, RESPONSES, clock())
    assert (answers.created, answers.cases_opened) == (3, 2)
    before = counts(database)
    assert before == {"Delivery": 3, "Customer": 3, "StageEvent": 7, "Response": 3, "Case": 2, "Stage": 3}
    again = run(database, import_deliveries_csv, DELIVERIES, clock())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    answers_again = run(database, import_responses_csv, RESPONSES, clock())
    assert (answers_again.created, answers_again.updated, answers_again.cases_opened) == (0, 0, 0)
    assert counts(database) == before
    with database.read() as s:
        d = s.scalar(select(Delivery).where(Delivery.external_id == "A1"))
        # Naive times are Shanghai time: 12:40 +08:00 is 04:40 UTC.
        assert d.delivered_at.isoformat() == "2026-03-01T04:40:00+00:00"
        assert d.attributes == {"team": "north", "region": "east"}
        assert s.scalar(select(Delivery.status).where(Delivery.external_id == "A3")) == "in_progress"
        comment = s.scalar(select(Response.comment).where(Response.score == 6))
        assert comment == "<script>alert(1)</script>'; DROP TABLE responses;--"  # stored as data
        assert s.scalar(select(Response.language).where(Response.score == 3)) == "zh"


def test_reimport_with_a_later_stage_updates(database, clock) -> None:
    run(database, import_deliveries_csv, DELIVERIES, clock())
    update = "external_id,customer_id,delivered_at,stage.delivered\nA3,c3,2026-03-01T12:50:00,2026-03-01T12:50:00\n"
    result = run(database, import_deliveries_csv, update, clock())
    assert (result.created, result.updated) == (0, 1)
    with database.read() as s:
        d = s.scalar(select(Delivery).where(Delivery.external_id == "A3"))
        assert d.status == "delivered"
        assert d.attributes == {"team": "south"}  # kept: the update did not mention it


def test_bad_rows_are_all_reported_and_nothing_is_written(database, clock) -> None:
    bad = DELIVERIES + textwrap.dedent("""\
        A4,,,,,,,,,,,,
        A5,c5,,not-mail,,,,yesterday,,,,,
        A6,c6
    """)
    with pytest.raises(ImportFailed) as err:
        run(database, import_deliveries_csv, bad, clock())
    where = {(p.line, p.field) for p in err.value.problems}
    assert (5, "customer_id") in where
    assert (6, "customer_email") in where
    assert (6, "delivered_at") in where
    assert (7, None) in where  # wrong number of fields
    assert "nothing was imported" in str(err.value)
    assert counts(database)["Delivery"] == 0


def test_response_rows_checked_against_deliveries_and_stages(database, clock) -> None:
    run(database, import_deliveries_csv, DELIVERIES, clock())
    bad = textwrap.dedent("""\
        delivery_external_id,score,comment,stage,responded_at
        A1,9,good,,2026-03-01T13:00:00
        NOPE,5,,,2026-03-01T13:00:00
        A2,11,,,2026-03-01T13:00:00
        A2,7.5,,,2026-03-01T13:00:00
        A2,7,,teleport,2026-03-01T13:00:00
        A2,7,,,
    """)
    with pytest.raises(ImportFailed) as err:
        run(database, import_responses_csv, bad, clock())
    where = {(p.line, p.field) for p in err.value.problems}
    assert where == {(3, "delivery_external_id"), (4, "score"), (5, "score"), (6, "stage"), (7, "responded_at")}
    assert counts(database)["Response"] == 0


def test_missing_required_columns_and_empty_file(database, clock) -> None:
    with pytest.raises(ImportFailed) as err:
        run(database, import_deliveries_csv, "external_id,name\nA,b\n", clock())
    assert err.value.problems[0].field == "customer_id" and err.value.problems[0].line == 1
    with pytest.raises(ImportFailed, match="empty"):
        run(database, import_responses_csv, "", clock())


def test_unknown_stage_column_when_journey_has_stages(database, clock) -> None:
    run(database, import_deliveries_csv, DELIVERIES, clock())
    with pytest.raises(ImportFailed) as err:
        run(database, import_deliveries_csv, "external_id,customer_id,stage.teleported\nB1,c1,2026-03-01\n", clock())
    assert err.value.problems[0].field == "stage.teleported"
    assert "ordered, prepared, delivered" in err.value.problems[0].message


def test_large_batches_cross_batch_boundaries(database, clock) -> None:
    rows = ["external_id,customer_id,delivered_at,team"]
    rows += [f"B{i},cust{i % 50},2026-02-01T10:00:00,t{i % 3}" for i in range(2500)]
    result = run(database, import_deliveries_csv, "\n".join(rows) + "\n", clock(), batch_size=400)
    assert result.created == 2500
    assert counts(database)["Customer"] == 50
    answers = ["delivery_external_id,score,responded_at"]
    answers += [f"B{i},{i % 11},2026-02-02T10:00:00" for i in range(2500)]
    result = run(database, import_responses_csv, "\n".join(answers) + "\n", clock(), batch_size=300)
    detractors = sum(1 for i in range(2500) if i % 11 <= 6)
    assert result.created == 2500 and result.cases_opened == detractors
    assert counts(database)["Case"] == detractors


def test_two_answers_at_the_same_instant_are_both_kept_and_reimport_is_stable(database, clock) -> None:
    run(database, import_deliveries_csv, "external_id,customer_id\nS1,c1\n", clock())
    answers = "delivery_external_id,score,comment,responded_at\nS1,9.0,first,2026-03-01\nS1,2,second,2026-03-01\n"
    assert run(database, import_responses_csv, answers, clock()).created == 2
    again = run(database, import_responses_csv, answers, clock())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with database.read() as s:
        assert sorted(s.scalars(select(Response.score))) == [2, 9]


def test_an_empty_journey_learns_stages_from_answers(database, clock) -> None:
    run(database, import_deliveries_csv, "external_id,customer_id\nS1,c1\nS2,c2\n", clock())
    answers = "delivery_external_id,score,stage,responded_at\nS1,3,packing,2026-03-01\nS2,4,riding,2026-03-01\n"
    assert run(database, import_responses_csv, answers, clock()).created == 2
    with database.read() as s:
        assert list(s.scalars(select(Stage.key).order_by(Stage.position))) == ["packing", "riding"]


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolon_and_tab_separated_files_import_as_the_comma_file(database, clock, separator: str) -> None:
    """Excel writes ';' where the decimal mark is a comma, and a copy from a spreadsheet is tab-separated:
    the separator is read off the header line, and quoted fields keep their separators."""
    import csv

    rows = list(csv.reader(io.StringIO(DELIVERIES)))
    rows[1][-1] = "east; gate 3"  # a cell holding the separator, quoted by the writer
    text = io.StringIO()
    csv.writer(text, delimiter=separator, lineterminator="\n").writerows(rows)
    result = run(database, import_deliveries_csv, "\ufeff" + text.getvalue(), clock())
    assert (result.created, result.updated) == (3, 0)
    with database.read() as s:
        d = s.scalar(select(Delivery).where(Delivery.external_id == "A1"))
        assert d.attributes == {"team": "north", "region": "east; gate 3"}
        assert d.delivered_at.isoformat() == "2026-03-01T04:40:00+00:00"
    assert counts(database)["StageEvent"] == 7


def test_a_header_without_any_separator_is_one_column(database, clock) -> None:
    with pytest.raises(ImportFailed) as err:
        run(database, import_deliveries_csv, "external_id customer_id\nA1 c1\n", clock())
    assert {p.field for p in err.value.problems} == {"external_id", "customer_id"}


def test_a_stage_stamped_before_the_previous_one_is_untimed_not_negative(database, clock) -> None:
    text = (
        "external_id,customer_id,delivered_at,stage.ordered,stage.prepared,stage.delivered\n"
        "B1,c1,2026-03-01T12:40:00,2026-03-01T12:00:00,2026-03-01T12:50:00,2026-03-01T12:40:00\n"
    )
    assert run(database, import_deliveries_csv, text, clock()).created == 1
    with database.read() as s:
        durations = dict(
            s.execute(select(Stage.key, StageEvent.duration_minutes).join(Stage, Stage.id == StageEvent.stage_id)).all()
        )
    assert durations == {"ordered": None, "prepared": 50.0, "delivered": None}


def test_an_answers_stage_may_be_named_as_the_survey_showed_it(database, clock) -> None:
    from doorstep.deliveries.services import update_stage

    run(database, import_deliveries_csv, DELIVERIES, clock())
    with database.write() as session:
        ws = ensure_workspace(session=session, slug="default", timezone="Asia/Shanghai")
        update_stage(session=session, workspace=ws, key="delivered", name="Handed over", name_zh="已送达")
        update_stage(session=session, workspace=ws, key="prepared", name="Handed over")  # shared: names neither
    answers = (
        "delivery_external_id,score,stage,responded_at\n"
        "A1,3,已送达,2026-03-01T13:00:00\n"
        "A2,4,DELIVERED,2026-03-01T13:00:00\n"
        "A3,5, Ordered ,2026-03-01T13:00:00\n"
    )
    assert run(database, import_responses_csv, answers, clock()).created == 3
    with database.read() as s:
        picked = s.execute(
            select(Delivery.external_id, Stage.key)
            .join(Response, Response.delivery_id == Delivery.id)
            .join(Stage, Stage.id == Response.stage_id)
        ).all()
    assert sorted(picked) == [("A1", "delivered"), ("A2", "delivered"), ("A3", "ordered")]
    with pytest.raises(ImportFailed) as err:
        run(database, import_responses_csv, "delivery_external_id,score,stage,responded_at\n"
            "A1,3,Handed over,2026-03-02T13:00:00\n", clock())  # fmt: skip
    assert err.value.problems[0].field == "stage" and "ordered, prepared, delivered" in err.value.problems[0].message


def test_a_stage_column_may_name_the_stage_in_another_case(database, clock) -> None:
    run(database, import_deliveries_csv, DELIVERIES, clock())
    update = "external_id,customer_id,delivered_at,stage.Delivered\nA3,c3,2026-03-01T12:50:00,2026-03-01T12:50:00\n"
    assert run(database, import_deliveries_csv, update, clock()).updated == 1
    with database.read() as s:
        assert s.scalar(select(Delivery.status).where(Delivery.external_id == "A3")) == "delivered"
        assert [k for (k,) in s.execute(select(Stage.key).order_by(Stage.position))] == [
            "ordered", "prepared", "delivered"
        ]  # no stage "Delivered" learnt beside "delivered"


def test_stages_learnt_from_the_columns_get_their_usual_names_in_both_languages(database, clock) -> None:
    # A Chinese reader of a journey learnt from "stage.sorted" saw "Sorted" on every page.
    text = (
        "external_id,customer_id,delivered_at,stage.collected,stage.Out-for-delivery,stage.出库,stage.hub_scan\n"
        "P1,c1,2026-03-01T12:00:00,2026-03-01T08:00:00,2026-03-01T10:00:00,2026-03-01T11:00:00,2026-03-01T12:00:00\n"
    )
    run(database, import_deliveries_csv, text, clock())
    with database.read() as s:
        names = {k: (en, zh) for k, en, zh in s.execute(select(Stage.key, Stage.name, Stage.name_zh))}
    assert names == {
        "collected": ("Collected", "已揽收"),
        "Out-for-delivery": ("Out for delivery", "派送中"),
        "出库": ("出库", "出库"),  # named in Chinese by the business
        "hub_scan": ("Hub scan", None),  # unknown: its own words, no guess
    }
