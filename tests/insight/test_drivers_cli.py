"""The insight commands (stages, drivers, trend, lateness, nps --compare / --by, reanalyze, taxonomy),
run in-process through the real Typer app on a real database."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app

DELIVERIES = """external_id,customer_id,promised_at,delivered_at,stage.ordered,stage.prepared,stage.delivered,team
O1,c1,2026-02-02T12:30:00Z,2026-02-02T12:50:00Z,2026-02-02T12:00:00Z,2026-02-02T12:10:00Z,2026-02-02T12:50:00Z,north
O2,c2,2026-02-02T12:30:00Z,2026-02-02T12:25:00Z,2026-02-02T12:00:00Z,2026-02-02T12:10:00Z,2026-02-02T12:25:00Z,south
O3,c3,2026-02-03T18:30:00Z,2026-02-03T18:20:00Z,2026-02-03T18:00:00Z,2026-02-03T18:05:00Z,2026-02-03T18:20:00Z,north
"""
RESPONSES = """delivery_external_id,score,comment,stage,responded_at
O1,3,送得太慢了，饭都凉了,,2026-02-02T13:30:00Z
O2,9,"On time, thanks!",,2026-02-02T13:00:00Z
O3,10,包装很好,,2026-02-03T19:00:00Z
"""
TAXONOMY = """themes:
  - key: slow
    name_en: Slow
    name_zh: 慢
    stages: [delivered]
    cues_zh: [慢]
    cues_en: [slow]
  - key: wrapping
    name_en: Wrapping
    name_zh: 包装
    stages: [prepared]
    cues_zh: [包装]
    cues_en: [wrapping]
"""


@pytest.fixture
def run(database_url: str, tmp_path: Path):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(app, ["--db", database_url, *args])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    d, r = tmp_path / "d.csv", tmp_path / "r.csv"
    d.write_text(DELIVERIES, encoding="utf-8")
    r.write_text(RESPONSES, encoding="utf-8")
    invoke("import", "deliveries", str(d), "--json")
    invoke("import", "responses", str(r), "--json")
    return invoke


def as_json(result) -> dict:
    return json.loads(result.stdout)


def test_stages_and_drivers_json(run) -> None:
    stages = as_json(run("stages", "--json"))["stages"]
    assert [s["key"] for s in stages] == ["ordered", "prepared", "delivered"]
    assert {"key", "name", "deliveries", "late", "late_rate", "median_overrun_minutes", "attributed_responses",
            "nps", "nps_impact"} <= set(stages[0])  # fmt: skip
    drivers = as_json(run("drivers", "--json"))["drivers"]
    assert {"kind", "key", "name", "mentions", "nps", "nps_impact"} <= set(drivers[0])
    assert [d["nps_impact"] for d in drivers] == sorted(d["nps_impact"] for d in drivers)
    top = as_json(run("drivers", "--json", "--kind", "stage", "--top", "1"))["drivers"]
    assert len(top) == 1 and top[0]["kind"] == "stage"
    assert "Drivers" in run("drivers").stdout and "Stages" in run("stages").stdout
    assert run("drivers", "--kind", "nope", ok=False).exit_code == 2
    assert run("stages", "--since", "yesterday", ok=False).exit_code == 2


def test_trend_lateness_and_nps_compare(run) -> None:
    trend = as_json(run("trend", "--json", "--every", "month"))
    assert trend["every"] == "month" and trend["points"][0]["responses"] == 3
    assert "NPS by week" in run("trend").stdout
    lateness = as_json(run("lateness", "--json"))
    assert lateness["late"]["responses"] == 1 and lateness["on_time"]["responses"] == 2
    compare = as_json(run("nps", "--json", "--compare", "previous", "--since", "2026-02-03", "--until", "2026-02-03"))
    assert compare["responses"] == 1 and compare["previous"]["responses"] == 2
    assert set(compare["change"]) == {"delta", "ci95", "z", "p_value", "significant", "small_sample"}
    assert run("nps", "--compare", "last-year", ok=False).exit_code == 2
    by_team = as_json(run("nps", "--json", "--by", "team"))
    assert [g["key"] for g in by_team["groups"]] == ["north", "south"]  # north holds the detractor
    grouped = as_json(run("nps", "--json", "--by", "team", "--compare", "previous", "--since", "2026-02-01"))
    assert all({"nps_impact", "previous", "change"} <= set(g) for g in grouped["groups"])
    assert "NPS — default" in run("nps", "--by", "team", "--compare", "previous", "--since", "2026-02-01").stdout
    plain = as_json(run("nps", "--json"))
    assert set(plain) == {"nps", "responses", "promoters", "passives", "detractors", "ci95"}  # DESIGN.md, unchanged


def test_taxonomy_set_show_and_reanalyze(run, tmp_path: Path) -> None:
    default = as_json(run("taxonomy", "show", "--json"))
    assert default["source"] == "default" and any(t["key"] == "spillage" for t in default["themes"])
    file = tmp_path / "taxonomy.yaml"
    file.write_text(TAXONOMY, encoding="utf-8")
    result = as_json(run("taxonomy", "set", str(file), "--json"))
    assert result["themes"] == 2 and result["reanalysis"]["analysed"] == 3
    mine = as_json(run("taxonomy", "show", "--json"))
    assert mine["source"] == "workspace" and [t["key"] for t in mine["themes"]] == ["slow", "wrapping"]
    drivers = {d["key"]: d for d in as_json(run("drivers", "--json", "--kind", "theme"))["drivers"]}
    assert (drivers["slow"]["mentions"], drivers["wrapping"]["mentions"]) == (1, 1)
    assert "slow" in run("taxonomy", "show").stdout

    broken = tmp_path / "broken.yaml"
    broken.write_text(TAXONOMY.replace("    cues_en: [wrapping]\n", "    cues_en: [wrapping]\n    colour: red\n"))
    failed = run("taxonomy", "set", str(broken), ok=False)
    assert failed.exit_code == 2 and "line 14" in failed.output
    assert run("taxonomy", "set", str(tmp_path / "missing.yaml"), ok=False).exit_code == 2
    # The broken file changed nothing.
    assert [t["key"] for t in as_json(run("taxonomy", "show", "--json"))["themes"]] == ["slow", "wrapping"]

    again = as_json(run("reanalyze", "--json"))
    assert again["analysed"] == 3 and again["themed"] == 2 and again["deliveries_retimed"] == 0
    assert "answers analysed" in run("reanalyze").stdout


def test_insight_commands_have_help() -> None:
    runner = CliRunner()
    for args in (
        ["stages", "--help"],
        ["drivers", "--help"],
        ["trend", "--help"],
        ["lateness", "--help"],
        ["reanalyze", "--help"],
        ["taxonomy", "show", "--help"],
        ["taxonomy", "set", "--help"],
        ["journey", "show", "--help"],
        ["journey", "set", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output and len(result.output.strip().splitlines()) > 3


def test_journey_targets(run) -> None:
    shown = as_json(run("journey", "show", "--json"))["stages"]
    assert [(s["key"], s["target_minutes"]) for s in shown] == [
        ("ordered", None),
        ("prepared", None),
        ("delivered", None),
    ]
    assert (
        as_json(run("journey", "set", "prepared", "--target", "15", "--name-zh", "出餐", "--json"))["target_minutes"]
        == 15
    )
    stages = {s["key"]: s for s in as_json(run("stages", "--json"))["stages"]}
    assert (stages["prepared"]["baseline"], stages["prepared"]["baseline_minutes"]) == ("target", 15.0)
    assert stages["delivered"]["baseline"] == "median"
    cleared = as_json(run("journey", "set", "prepared", "--no-target", "--json"))
    assert cleared["target_minutes"] is None and cleared["name_zh"] == "出餐"
    assert run("journey", "set", "nope", "--target", "5", ok=False).exit_code == 3
    assert run("journey", "set", "prepared", "--target", "-5", ok=False).exit_code == 2
    assert "Journey" in run("journey", "show").stdout
