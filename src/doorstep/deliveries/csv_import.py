"""The DESIGN.md CSV formats, read in batches into records for the ingest services.

A file is imported in one transaction: bad rows are collected (line, field,
reason) while reading goes on, so one run reports every problem; once there is
one, nothing more is written and the caller's transaction rolls back.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.deliveries.models import Stage
from doorstep.deliveries.records import DELIVERY_COLUMNS, RESPONSE_COLUMNS, DeliveryRecord, ResponseRecord
from doorstep.deliveries.services import (
    IngestResult,
    ingest_deliveries,
    list_stages,
    resolve_stages,
    validate_record,
)
from doorstep.errors import ImportFailed, InvalidInput, Problem
from doorstep.timeutil import parse_instant, zone

# "status" is accepted too ("cancelled"), though DESIGN.md does not list it.
DELIVERY_FIXED = (*DELIVERY_COLUMNS, "status")
RESPONSE_FIXED = RESPONSE_COLUMNS
MAX_PROBLEMS_SHOWN = 50
# What each import writes, and from how many rows it counts as a bulk load after which the
# planner's statistics are refreshed (Database.refresh_statistics).
DELIVERY_TABLES = ("deliveries", "customers", "stage_events", "stage_daily", "invitations", "jobs")
RESPONSE_TABLES = ("responses", "response_themes", "cases", "case_events", "invitations")
BULK_ROWS = 10_000
Progress = Callable[[int], None]

csv.field_size_limit(1 << 24)  # a 10,000-character comment is normal; 16 MB is clearly not a row


def count_rows(path: Path) -> int:
    """Data lines in a file (fast, for a progress bar; quoted newlines make it an estimate)."""
    with path.open("rb") as f:
        return max(sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 20), b"")) - 1, 0)


def header_delimiter(line: str) -> str:
    """The separator of a CSV file, read off its header line: a comma, else a tab or a semicolon
    (what Excel writes where the decimal mark is a comma), so such a file imports as it is
    instead of failing as one column named 'external_id;customer_id;…'."""
    if "," in line:
        return ","
    counts = {sep: line.count(sep) for sep in ("\t", ";")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


class _Rows:
    """Reads a CSV into (line number, row dict) batches, turning decoding trouble into problems."""

    def __init__(self, stream: IO[str], encoding: str, source: str) -> None:
        self.encoding = encoding
        self.source = source
        try:
            first = stream.readline()
        except UnicodeDecodeError:
            raise ImportFailed([self._decode_problem(1)], source=source) from None
        self.delimiter = header_delimiter(first)
        self.reader = csv.reader(itertools.chain([first], stream) if first else stream, delimiter=self.delimiter)
        try:
            header = next(self.reader)
        except StopIteration:
            raise ImportFailed([Problem("the file is empty: it needs a header line", 1)], source=source) from None
        except UnicodeDecodeError:
            raise ImportFailed([self._decode_problem(1)], source=source) from None
        self.header = [h.strip().lstrip("\ufeff") for h in header]
        duplicates = sorted({h for h in self.header if self.header.count(h) > 1 and h})
        if duplicates:
            raise ImportFailed([Problem(f"column '{h}' appears twice", 1, h) for h in duplicates], source=source)

    def _decode_problem(self, line: int) -> Problem:
        return Problem(
            f"the file is not valid {self.encoding} text; save it as UTF-8 "
            f"(or pass --encoding gb18030 for a file from Chinese Excel)",
            line,
        )

    def batches(self, size: int, problems: list[Problem]) -> Iterator[list[tuple[int, dict[str, str]]]]:
        batch: list[tuple[int, dict[str, str]]] = []
        width = len(self.header)
        while True:
            try:
                values = next(self.reader)
            except StopIteration:
                break
            except UnicodeDecodeError:
                problems.append(self._decode_problem(self.reader.line_num + 1))
                break
            except csv.Error as exc:
                problems.append(Problem(f"unreadable CSV: {exc}", self.reader.line_num))
                continue
            line = self.reader.line_num
            if not "".join(values).strip():
                continue  # blank lines (often at the end of a hand-edited file) are not rows
            if len(values) != width:
                problems.append(Problem(f"has {len(values)} fields, the header has {width}", line))
                continue
            batch.append((line, dict(zip(self.header, values, strict=True))))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def _missing_columns(header: list[str], required: tuple[str, ...]) -> list[Problem]:
    return [Problem(f"required column '{c}' is missing", 1, c) for c in required if c not in header]


def _cell(value: str) -> str:
    """A free-text cell kept as an attribute, cleaned as a comment is: NUL dropped, trimmed."""
    return value.replace("\x00", "").strip()


def _value(row: dict[str, str], name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _instant(row: dict[str, str], name: str, tz: dt.tzinfo, line: int, problems: list[Problem]) -> dt.datetime | None:
    value = _value(row, name)
    if value is None:
        return None
    try:
        return parse_instant(value, tz)
    except ValueError as exc:
        problems.append(Problem(str(exc), line, name))
        return None


def parse_delivery_row(
    line: int, row: dict[str, str], stage_columns: list[str], tz: dt.tzinfo, problems: list[Problem]
) -> DeliveryRecord | None:
    before = len(problems)
    stages = {}
    for column in stage_columns:
        at = _instant(row, column, tz, line, problems)
        if at is not None:
            stages[column.removeprefix("stage.")] = at
    attributes: dict[str, Any] = {
        k: _cell(v)
        for k, v in row.items()
        if k and k not in DELIVERY_FIXED and not k.startswith("stage.") and _cell(v)
    }
    record = DeliveryRecord(
        external_id=_value(row, "external_id") or "",
        customer_id=_value(row, "customer_id") or "",
        customer_name=_value(row, "customer_name"),
        customer_email=_value(row, "customer_email"),
        customer_locale=_value(row, "customer_locale"),
        owner=_value(row, "owner"),
        promised_at=_instant(row, "promised_at", tz, line, problems),
        delivered_at=_instant(row, "delivered_at", tz, line, problems),
        status=_value(row, "status"),
        stages=stages,
        attributes=attributes,
        line=line,
    )
    problems.extend(validate_record(record))
    return record if len(problems) == before else None


def import_deliveries_csv(
    *,
    session: Session,
    workspace: Workspace,
    stream: IO[str],
    now: dt.datetime,
    encoding: str = "utf-8",
    source: str = "deliveries.csv",
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> IngestResult:
    """Import a deliveries file; raises ImportFailed (and writes nothing) if any row is bad."""
    rows = _Rows(stream, encoding, source)
    problems = _missing_columns(rows.header, ("external_id", "customer_id"))
    stage_columns = [h for h in rows.header if h.startswith("stage.")]
    if problems:
        raise ImportFailed(problems, source=source)
    try:
        resolve_stages(
            session=session, workspace=workspace, keys_in_order=[c.removeprefix("stage.") for c in stage_columns]
        )
    except ImportFailed as exc:
        raise ImportFailed(exc.problems, source=source) from None
    tz = zone(workspace.timezone)
    result = IngestResult()
    for batch in rows.batches(batch_size, problems):
        records = [
            r for line, row in batch if (r := parse_delivery_row(line, row, stage_columns, tz, problems)) is not None
        ]
        if not problems:
            result.add(ingest_deliveries(session=session, workspace=workspace, records=records, now=now))
        if progress:
            progress(len(batch))
    if problems:
        raise ImportFailed(problems[:MAX_PROBLEMS_SHOWN], source=source, total_problems=len(problems))
    return result


def parse_response_row(line: int, row: dict[str, str], tz: dt.tzinfo, problems: list[Problem]) -> ResponseRecord | None:
    from doorstep.surveys.services import check_score, clean_comment

    before = len(problems)
    external_id = _value(row, "delivery_external_id")
    if external_id is None:
        problems.append(Problem("is required", line, "delivery_external_id"))
    score = None
    raw_score = _value(row, "score")
    if raw_score is None:
        problems.append(Problem("is required", line, "score"))
    else:
        try:
            score = check_score(raw_score, line=line)
        except InvalidInput as exc:
            problems.append(exc.problem)
    responded_at = _instant(row, "responded_at", tz, line, problems)
    if responded_at is None and _value(row, "responded_at") is None:
        problems.append(Problem("is required", line, "responded_at"))
    comment = None
    try:
        comment = clean_comment(row.get("comment"))
    except InvalidInput as exc:
        problems.append(Problem(exc.problem.message, line, "comment"))
    if len(problems) != before or external_id is None or score is None or responded_at is None:
        return None
    return ResponseRecord(
        delivery_external_id=external_id,
        score=score,
        responded_at=responded_at,
        comment=comment,
        stage=_value(row, "stage"),
        attributes={k: _cell(v) for k, v in row.items() if k and k not in RESPONSE_FIXED and _cell(v)},
        line=line,
    )


def import_responses_csv(
    *,
    session: Session,
    workspace: Workspace,
    stream: IO[str],
    now: dt.datetime,
    encoding: str = "utf-8",
    source: str = "responses.csv",
    batch_size: int = 2000,
    progress: Progress | None = None,
    queue_follow_up: bool = False,
    path: Path | None = None,
) -> Any:
    """Import a responses file; raises ImportFailed (and writes nothing) if any row is bad.
    ``queue_follow_up``: leave each batch's analysis and cases to a job (``ingest_responses``).
    ``path`` (the file ``stream`` reads): parse it in a second process while this one stores
    what was parsed — for bulk loads, where reading and checking the rows is a third of the time."""
    from doorstep.surveys.services import ResponseImportResult, ingest_responses

    tz = zone(workspace.timezone)
    result = ResponseImportResult()
    problems: list[Problem] = []
    batches: Iterator[tuple[list[ResponseRecord], int, dict[str, tuple[int, int]] | None]]
    if path:
        batches = _parsed_elsewhere(path, encoding, source, workspace, _url_for_reader(session), batch_size, problems)
    else:
        batches = ((records, read, None)
                   for records, read in response_batches(stream, encoding, source, tz, batch_size, problems))
    journey: list[Stage] = []
    for records, read, deliveries in batches:
        if not journey:  # read once, unless the file's first answers are what describes the journey
            journey = list_stages(session=session, workspace=workspace)
        # Keep checking deliveries and stages after a bad row, so one run reports them all.
        part = ingest_responses(session=session, workspace=workspace, records=records, now=now,
                                dry_run=bool(problems), queue_follow_up=queue_follow_up, deliveries=deliveries,
                                journey=journey)
        problems.extend(part.problems)
        result.add(part)
        if progress:
            progress(read)
    if problems:
        raise ImportFailed(problems[:MAX_PROBLEMS_SHOWN], source=source, total_problems=len(problems))
    return result


def response_batches(
    stream: IO[str], encoding: str, source: str, tz: dt.tzinfo, batch_size: int, problems: list[Problem]
) -> Iterator[tuple[list[ResponseRecord], int]]:
    """The file's answers, read and checked, in batches: (good records, rows read). Bad rows go
    to ``problems``; a file that cannot be read at all raises ImportFailed."""
    rows = _Rows(stream, encoding, source)
    missing = _missing_columns(rows.header, ("delivery_external_id", "score", "responded_at"))
    if missing:
        raise ImportFailed(missing, source=source)
    # (delivery, instant) → answers so far, keyed by the pair's hash: ints keep 1M rows small. Two
    # pairs of one file sharing a 64-bit hash (~1 in 30 million for a million rows) would number
    # the second as a repeat: it is still stored, under a key of its own.
    seen: dict[int, int] = {}
    for batch in rows.batches(batch_size, problems):
        records = [r for line, row in batch if (r := parse_response_row(line, row, tz, problems)) is not None]
        for r in records:
            identity = hash((r.delivery_external_id, r.responded_at))
            r.occurrence = seen[identity] = seen.get(identity, 0) + 1
        yield records, len(batch)


# --- parsing in a second process ---------------------------------------------------------
# A bulk load spends about as long reading, checking and numbering its rows as storing them;
# on two cores the two overlap. The child reads the file and looks up the rows' deliveries on
# a read connection of its own (committed ones: an import's deliveries were imported before);
# stages are checked again by the ingest, a delivery deleted meanwhile fails the insert, and
# a child that dies is an import that fails.

_AHEAD = 8  # batches parsed ahead of the writer at most: memory stays bounded on a huge file


def _url_for_reader(session: Session) -> str | None:
    """The database URL a second process can open (not an in-memory SQLite database)."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def _parse_child(path: str, encoding: str, source: str, timezone: str, database_url: str | None,
                 workspace_id: int, batch_size: int, out: Any) -> None:
    import gc

    from doorstep.db import Database, select_where_in, table_of
    from doorstep.deliveries.models import Delivery
    from doorstep.insight.language import detect_language
    from doorstep.surveys.services import source_key

    gc.freeze()  # as the importing command does (cli/imports.py): the modules loaded stay loaded
    problems: list[Problem] = []
    sent = 0
    database = Database(database_url) if database_url else None
    try:
        with open_csv(Path(path), encoding) as stream:
            for records, read in response_batches(stream, encoding, source, zone(timezone), batch_size, problems):
                deliveries = None
                if database is not None:
                    with database.read() as session:
                        deliveries = {external_id: (delivery_id, customer_id)
                                      for external_id, delivery_id, customer_id in select_where_in(
                                          session, table_of(Delivery), ("external_id", "id", "customer_id"),
                                          "external_id", {r.delivery_external_id for r in records},
                                          workspace_id=workspace_id)}
                # Plain tuples: a dataclass costs three times as much to pickle and unpickle.
                # Instants in UTC, as they are stored: the writer then need not convert them.
                rows = [(r.delivery_external_id, r.score, r.responded_at.astimezone(dt.UTC), r.comment, r.stage,
                         r.attributes, r.line, r.occurrence,
                         source_key(r.delivery_external_id, r.responded_at, r.occurrence),
                         detect_language(r.comment)) for r in records]
                out.put(("batch", rows, read, problems[sent:], deliveries))
                sent = len(problems)
        out.put(("end", problems[sent:]))
    except ImportFailed as exc:
        out.put(("failed", exc.problems, exc.total_problems))
    except BaseException as exc:
        out.put(("crashed", f"{type(exc).__name__}: {exc}"))
    finally:
        if database is not None:
            database.dispose()


def _parsed_elsewhere(
    path: Path, encoding: str, source: str, workspace: Workspace, database_url: str | None, batch_size: int,
    problems: list[Problem],
) -> Iterator[tuple[list[ResponseRecord], int, dict[str, tuple[int, int]] | None]]:
    import multiprocessing
    import queue

    # spawn, not fork: the parent has threads (the progress bar) and an open database.
    context = multiprocessing.get_context("spawn")
    out = context.Queue(maxsize=_AHEAD)
    child = context.Process(target=_parse_child, args=(str(path), encoding, source, workspace.timezone, database_url,
                                                       workspace.id, batch_size, out),
                            name="doorstep-csv-reader", daemon=True)
    child.start()
    try:
        while True:
            try:
                message = out.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise InvalidInput(f"{source}: the process reading the file stopped (exit code "
                                       f"{child.exitcode}); nothing was imported") from None
                continue
            kind = message[0]
            if kind == "batch":
                problems.extend(message[3])
                yield [ResponseRecord(*row) for row in message[1]], message[2], message[4]
            elif kind == "end":
                problems.extend(message[1])
                return
            elif kind == "failed":
                raise ImportFailed(message[1], source=source, total_problems=message[2])
            else:
                raise InvalidInput(f"{source}: reading the file failed ({message[1]}); nothing was imported")
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        out.close()


def open_csv(path: Path, encoding: str) -> IO[str]:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="FILE")
    # utf-8-sig drops the byte-order mark Excel writes, and reads plain UTF-8 the same.
    return path.open(encoding="utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding, newline="")
