"""A small workspace with a known week, loaded through the CSV import (the real analysis runs).

The week of Monday 2026-02-23 (the clock fixture's last complete week): 30 answers, of
which 15 detractors blame the delivery ("too slow, the food was cold"), every one of
their comments carrying a ``<script>`` (escaping is checked on whatever the brief picks).
The week before: 20 answers, mostly happy. One frontline note on the delivery stage.
"""

from __future__ import annotations

import datetime as dt
import io

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import get_workspace
from doorstep.db import Database
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv
from doorstep.deliveries.services import add_stage, list_stages
from doorstep.frontline.services import create_note

WEEK = dt.datetime(2026, 2, 23, tzinfo=dt.UTC)  # a Monday
SCRIPT = "<script>alert('x')</script>"
SLOW = f"Way too slow and the food was cold {SCRIPT}"
NOTE = f"Riders in the east are too few: deliveries are late and the food arrives cold {SCRIPT}"


def answers(week: dt.datetime, promoters: int, passives: int, detractors: int) -> list[tuple[dt.datetime, int, str]]:
    out = []
    scores = [(10, "great, thanks")] * promoters + [(8, "")] * passives + [(2, SLOW)] * detractors
    for i, (score, comment) in enumerate(scores):
        out.append((week + dt.timedelta(hours=3 + 5 * i), score, comment))
    return out


def csv_text(rows: list[list[str]]) -> io.StringIO:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value

    return io.StringIO("\n".join(",".join(cell(v) for v in row) for row in rows) + "\n")


def seed(database: Database, slug: str, now: dt.datetime,
         plan: list[tuple[dt.datetime, int, str]] | None = None, *, prefix: str = "D", promised: bool = True) -> None:
    """Stages, deliveries and answers (default: the two weeks above) and one note
    (``promised=False``: the deliveries carry no promised time)."""
    if plan is None:
        plan = answers(WEEK - dt.timedelta(days=7), 14, 4, 2) + answers(WEEK, 10, 5, 15)
    with database.write() as s:
        ws = get_workspace(session=s, slug=slug)
        if not list_stages(session=s, workspace=ws):
            for key, target in (("prepared", 10.0), ("delivered", 20.0)):
                add_stage(session=s, workspace=ws, key=key, name=key.title(), target_minutes=target)
        deliveries = [["external_id", "customer_id", "promised_at", "delivered_at", "stage.prepared",
                       "stage.delivered", "team"]]
        responses = [["delivery_external_id", "score", "comment", "stage", "responded_at"]]
        for i, (at, score, comment) in enumerate(plan):
            done = at - dt.timedelta(minutes=30)
            late = 25 if score <= 6 else -5
            promise = (done - dt.timedelta(minutes=late)).isoformat() if promised else ""
            deliveries.append([f"{prefix}{i}", f"c{prefix}{i}", promise,
                               done.isoformat(), (done - dt.timedelta(minutes=25)).isoformat(), done.isoformat(),
                               "east" if score <= 6 else f"t{i % 3}"])
            responses.append([f"{prefix}{i}", str(score), comment, "delivered" if score <= 6 else "",
                              at.isoformat()])
        import_deliveries_csv(session=s, workspace=ws, stream=csv_text(deliveries), now=now)
        import_responses_csv(session=s, workspace=ws, stream=csv_text(responses), now=now)
        create_note(session=s, workspace=ws, text=NOTE, stage_key="delivered", now=WEEK + dt.timedelta(days=2))


def workspace_row(database: Database, slug: str) -> Workspace:
    with database.read() as s:
        ws = get_workspace(session=s, slug=slug)
        s.expunge(ws)
        return ws
