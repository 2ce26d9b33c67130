"""The analysis rewrites only the answers it has something to say about: on PostgreSQL every
rewritten row leaves a dead row version behind (a million after a million-row import)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from tests.cli.test_cli import doorstep

from doorstep.db import Database
from doorstep.surveys.models import Response

DELIVERIES = """external_id,customer_id,delivered_at,team
A1,c1,2026-03-01T12:50:00,north
A2,c2,2026-03-01T12:20:00,south
A3,c3,2026-03-01T18:20:00,north
A4,c4,2026-03-01T18:25:00,north
"""
RESPONSES = """delivery_external_id,score,comment,stage,responded_at
A1,4,送得太慢了，饭都凉了,,2026-03-01T13:30:00
A2,9,,,2026-03-01T13:00:00
A3,10,,,2026-03-01T19:00:00
A4,8,,,2026-03-01T19:05:00
"""


@pytest.fixture
def analysis_updates() -> Iterator[list[int]]:
    """The number of rows of each UPDATE of the answers' analysis, on any engine of this process."""
    seen: list[int] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE RESPONSES SET LANGUAGE"):
            seen.append(len(parameters) if executemany else 1)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_answers_without_a_comment_or_a_stage_are_not_rewritten(
    database_url: str, tmp_path: Path, analysis_updates: list[int]
) -> None:
    (tmp_path / "d.csv").write_text(DELIVERIES, encoding="utf-8")
    (tmp_path / "r.csv").write_text(RESPONSES, encoding="utf-8")
    doorstep("init", db=database_url)
    doorstep("import", "deliveries", str(tmp_path / "d.csv"), db=database_url)
    doorstep("import", "responses", str(tmp_path / "r.csv"), db=database_url)
    assert analysis_updates == [1]  # the one comment; three bare scores already said all there was
    db = Database(database_url)
    try:
        with db.read() as s:
            stored = {score: themes for score, themes in s.execute(select(Response.score, Response.themes))}
    finally:
        db.dispose()
    # The bare scores read as analysed (no themes), not as never looked at (NULL).
    assert [stored[9], stored[10], stored[8]] == [[], [], []]
    assert stored[4]  # the comment's themes
