"""`doorstep analyze FILE.csv --column COL [--json]` through the real Typer app, no database needed."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app

CSV = 'id,comment\n1,送得太慢了，汤洒了\n2,"Great, not late at all!"\n3,\n4,湯灑了\n5,骑手很久才来取餐\n'


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "analyze", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def comments(tmp_path: Path) -> Path:
    path = tmp_path / "comments.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_json_one_object_per_row_in_input_order(tmp_path: Path, comments: Path) -> None:
    code, out, _ = run(tmp_path, str(comments), "--column", "comment", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert set(rows[0]) == {"row", "language", "sentiment", "label", "themes", "stage"}
    assert rows[0]["language"] == "zh" and rows[0]["label"] == "negative"
    assert set(rows[0]["themes"]) == {"timeliness", "spillage"} and rows[0]["stage"] == "delivered"
    assert rows[1]["themes"] == [] and rows[1]["label"] == "positive" and rows[1]["language"] == "en"
    assert rows[2] == {"row": 3, "language": None, "sentiment": 0.0, "label": "neutral", "themes": [], "stage": None}
    assert rows[3]["themes"] == ["spillage"]
    assert rows[4]["stage"] == "picked_up"  # no journey known: the taxonomy's stages stand in
    assert not (tmp_path / "none.db").exists()  # analysing never creates a database


def test_stages_option_limits_the_journey(tmp_path: Path, comments: Path) -> None:
    code, out, _ = run(tmp_path, str(comments), "-c", "comment", "--json", "--stages", "ordered,picked_up,delivered")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows[4]["themes"] == ["pickup"] and rows[4]["stage"] == "picked_up"
    # Without a pickup stage in the journey, slow pickup points nowhere (the rider is only the
    # subject of the complaint, no courier-manner complaint that would point to "delivered").
    code, out, _ = run(tmp_path, str(comments), "-c", "comment", "--json", "--stages", "ordered,delivered")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows[4]["themes"] == ["pickup"] and rows[4]["stage"] is None


def test_custom_taxonomy_file(tmp_path: Path, comments: Path) -> None:
    taxonomy = tmp_path / "t.yaml"
    taxonomy.write_text("themes:\n  - key: soup\n    stages: [door]\n    cues_zh: [汤]\n    cues_en: [soup]\n")
    code, out, _ = run(tmp_path, str(comments), "-c", "comment", "--json", "--taxonomy", str(taxonomy))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows[0]["themes"] == ["soup"] and rows[0]["stage"] == "door"


def test_taxonomy_with_errors_names_the_line(tmp_path: Path, comments: Path) -> None:
    taxonomy = tmp_path / "bad.yaml"
    taxonomy.write_text("themes:\n  - key: soup\n    cues_zh: [汤]\n    colour: red\n")
    code, _, err = run(tmp_path, str(comments), "-c", "comment", "--taxonomy", str(taxonomy))
    assert code == 2 and "line 4" in err and "colour" in err


def test_missing_column_lists_the_columns(tmp_path: Path, comments: Path) -> None:
    code, _, err = run(tmp_path, str(comments), "--column", "text", "--json")
    assert code == 2 and "'text'" in err and "'id', 'comment'" in err


def test_bad_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("comment\n汤洒了\n".encode("gb18030"))
    code, _, err = run(tmp_path, str(path), "-c", "comment", "--json")
    assert code == 2 and "--encoding gb18030" in err
    code, out, _ = run(tmp_path, str(path), "-c", "comment", "--json", "--encoding", "gb18030")
    assert code == 0 and json.loads(out)["themes"] == ["spillage"]


def test_table_output_with_emerging_topics(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    lines = ["comment", *["要一张发票", "发票在哪里", "发票还没到", "发票的抬头"], "汤洒了", "很好吃"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(tmp_path, str(path), "-c", "comment")
    assert code == 0 and "Themes" in out and "spillage" in out and "Emerging topics" in out and "发票" in out


def test_workspace_taxonomy_and_stages_are_used(tmp_path: Path, comments: Path) -> None:
    from doorstep.accounts.services import create_workspace
    from doorstep.db import Database
    from doorstep.deliveries.services import add_stage
    from doorstep.insight.taxonomy import load_taxonomy, taxonomy_to_json
    from doorstep.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'ws.db'}"
    db = Database(url)
    upgrade(db.engine)
    with db.write() as session:
        ws = create_workspace(session=session, slug="shop")
        ws.taxonomy = taxonomy_to_json(
            load_taxonomy("themes:\n  - key: soup\n    stages: [hand_over]\n    cues_zh: [汤]\n")
        )
        add_stage(session=session, workspace=ws, key="hand_over")
    db.dispose()
    result = CliRunner().invoke(app, ["--db", url, "-w", "shop", "analyze", str(comments), "-c", "comment", "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and rows[0]["themes"] == ["soup"] and rows[0]["stage"] == "hand_over"


def test_help_says_what_it_does() -> None:
    result = CliRunner().invoke(app, ["analyze", "--help"])
    assert result.exit_code == 0 and "without storing it" in result.stdout and "--column" in result.stdout
