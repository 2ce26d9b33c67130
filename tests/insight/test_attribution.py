"""Stage attribution rules: picked, else text, else timing (largest relative overrun), else nothing."""

from doorstep.insight.attribution import (
    StageTiming,
    attribute,
    relative_overrun,
    slower_than_usual,
    stage_late,
    worst_overrun,
)

PREPARED, DISPATCHED, DELIVERED = 2, 3, 5


def timings(prepared: float | None, dispatched: float | None, delivered: float | None) -> list[StageTiming]:
    return [
        StageTiming(1, None, 2.0),  # the first stage is never timed
        StageTiming(PREPARED, prepared, 15.0),
        StageTiming(DISPATCHED, dispatched, 5.0),
        StageTiming(DELIVERED, delivered, 20.0),
    ]


def test_picked_wins_over_everything() -> None:
    assert attribute(picked_stage_id=PREPARED, text_stage_id=DELIVERED, timings=timings(30, 9, 40)) == (
        PREPARED,
        "picked",
    )


def test_text_wins_over_timing() -> None:
    assert attribute(picked_stage_id=None, text_stage_id=DELIVERED, timings=timings(30, 9, 15)) == (
        DELIVERED,
        "text",
    )


def test_timing_takes_the_largest_relative_overrun() -> None:
    # prepared +10 min of 15 (+67%), dispatched +4 of 5 (+80%), delivered +15 of 20 (+75%)
    late = {"picked_stage_id": None, "text_stage_id": None, "lateness_minutes": 12.0}
    assert attribute(**late, timings=timings(25, 9, 35)) == (DISPATCHED, "timing")
    # absolute minutes would have said "delivered"; relative says "prepared" here: +100% vs +25%
    assert worst_overrun(timings(30, 5, 25)) == PREPARED


def test_an_on_time_delivery_is_explained_by_nothing() -> None:
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=timings(25, 9, 35), lateness_minutes=0.0) == (
        None,
        None,
    )


def test_without_a_promise_the_usual_is_the_promise() -> None:
    # Usual durations 15 / 5 / 20; late above 30 / 12 / 45 (targets, or unusually long).
    def stages(prepared: float, dispatched: float, delivered: float) -> list[StageTiming]:
        return [
            StageTiming(PREPARED, prepared, 15.0, 30.0),
            StageTiming(DISPATCHED, dispatched, 5.0, 12.0),
            StageTiming(DELIVERED, delivered, 20.0, 45.0),
        ]

    # No stage late, and quicker in all than usual (36 of 40 minutes): nothing to blame,
    # though dispatch ran over its usual 5 minutes.
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=stages(20, 6, 10)) == (None, None)
    # No stage late, but slower in all than usual (69 of 40): the usual is the promise, and the
    # relatively worst overrun is blamed, as for a late delivery (dispatch, +80%).
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=stages(25, 9, 35)) == (DISPATCHED, "timing")
    # Dispatch overran most relatively (+100%), but only delivery was late: delivery is blamed.
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=stages(25, 10, 50)) == (DELIVERED, "timing")
    # Two late stages: the relatively worst of them.
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=stages(31, 13, 50)) == (DISPATCHED, "timing")
    assert stage_late(StageTiming(1, 31.0, 15.0, 30.0)) and not stage_late(StageTiming(1, 30.0, 15.0, 30.0))
    assert not stage_late(StageTiming(1, 99.0, 15.0, None)) and not stage_late(StageTiming(1, None, 15.0, 30.0))
    assert not slower_than_usual([]) and not slower_than_usual([StageTiming(1, None, 15.0, 30.0)])


def test_no_overrun_no_attribution() -> None:
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=timings(15, 5, 20)) == (None, None)
    assert attribute(picked_stage_id=None, text_stage_id=None, timings=timings(None, None, None)) == (None, None)
    assert attribute(picked_stage_id=None, text_stage_id=None) == (None, None)


def test_unknown_or_zero_baseline_is_ignored() -> None:
    assert relative_overrun(StageTiming(1, 10.0, None)) is None
    assert relative_overrun(StageTiming(1, 10.0, 0.0)) is None
    assert relative_overrun(StageTiming(1, 15.0, 10.0)) == 0.5
    assert worst_overrun([StageTiming(1, 99.0, 0.0), StageTiming(2, 11.0, 10.0)]) == 2


def test_ties_go_to_the_earlier_stage() -> None:
    assert worst_overrun([StageTiming(7, 20.0, 10.0), StageTiming(8, 40.0, 20.0)]) == 7


def test_a_complaint_about_time_in_general_lets_the_timing_name_the_step() -> None:
    # "Arrived three days late" points to the last stage only for want of anything better:
    # when the delivery came late and its dispatch overran most, dispatch is to blame …
    late = {"picked_stage_id": None, "text_stage_id": DELIVERED, "text_by_timing": True}
    assert attribute(**late, timings=timings(25, 9, 35), lateness_minutes=12.0) == (DISPATCHED, "timing")
    # … and when the timing blames nothing (on time, or no overrun), the text's stage stands.
    assert attribute(**late, timings=timings(25, 9, 35), lateness_minutes=0.0) == (DELIVERED, "text")
    assert attribute(**late, timings=timings(10, 4, 15), lateness_minutes=None) == (DELIVERED, "text")
    # A specific complaint ("the box was crushed") keeps its own stage whatever the timing.
    specific = {**late, "text_by_timing": False}
    assert attribute(**specific, timings=timings(25, 9, 35), lateness_minutes=12.0) == (DELIVERED, "text")


def test_the_analysis_says_when_its_stage_comes_only_from_time_in_general() -> None:
    from doorstep.insight.analysis import Analyzer
    from doorstep.insight.taxonomy import default_taxonomy

    analyzer = Analyzer(default_taxonomy(), ["collected", "sorted", "delivered"])
    general = analyzer.analyze("Arrived three days late, stuck at the depot")
    assert general.stage == "delivered" and general.stage_by_timing
    both = analyzer.analyze("Three days late and the box was crushed")
    assert set(both.themes) == {"timeliness", "packaging"}
    assert both.stage == "delivered" and not both.stage_by_timing


def test_a_complaint_about_time_that_names_its_step_is_about_that_step() -> None:
    from doorstep.insight.analysis import Analyzer
    from doorstep.insight.taxonomy import default_taxonomy

    saas = Analyzer(default_taxonomy(), ["signed", "kickoff", "configuration", "data_migration", "training", "go_live"])
    for comment in ("Configuration took a bit longer than expected.", "配置比预期慢了一点。"):
        result = saas.analyze(comment)
        assert (result.stage, result.stage_by_timing) == ("configuration", False), comment
    # The first and last steps name the whole hand-over ("the delivery was late", "my order"):
    # such a complaint still goes to whichever step the timing blames.
    parcels = Analyzer(default_taxonomy(), ["collected", "sorted", "out_for_delivery", "delivered"])
    assert parcels.analyze("Delivery was two days late").stage_by_timing
    assert parcels.analyze("Stuck at the sorting centre for days").stage == "sorted"
    assert parcels.analyze("派送太慢了").stage == "out_for_delivery"
