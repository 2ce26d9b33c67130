"""`doorstep analyze FILE.csv --column COL [--json]`: the text analysis on any corpus, nothing stored.

For trying a taxonomy before saving it, or checking the analysis on a labelled
corpus from outside. The file is streamed in batches (constant memory, any
size); with ``--json`` each input row gives one JSON line, in input order
(DESIGN.md), without it a summary table, the first rows and the emerging
topics among comments that fit no theme.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from doorstep.cli.common import State, cli_errors, console, err, open_database, say, state
from doorstep.errors import InvalidInput

# The text analysis and the database layer are imported inside the functions that use
# them: loading the CLI stays cheap (cli/common.py).
if TYPE_CHECKING:
    from doorstep.insight.analysis import TextAnalysis
    from doorstep.insight.taxonomy import Taxonomy

BATCH = 2_000
SHOWN_ROWS = 30
TOPIC_SAMPLE = 10_000  # theme-less comments kept for clustering in table mode (bounded memory)


def register(app: typer.Typer) -> None:
    app.command()(analyze)


def _workspace_settings(st: State) -> tuple[Taxonomy | None, list[str]]:
    """The workspace's taxonomy and stage keys when its database exists; never creates one."""
    from sqlalchemy import select
    from sqlalchemy.engine import make_url

    from doorstep.accounts.models import Workspace
    from doorstep.deliveries.models import Journey, Stage
    from doorstep.insight.taxonomy import taxonomy_from_json

    url = make_url(st.settings.database_url)
    if url.get_backend_name() == "sqlite" and (not url.database or not Path(url.database).is_file()):
        return None, []
    db = open_database(st)
    try:
        with db.read() as session:
            workspace = session.scalar(select(Workspace).where(Workspace.slug == st.workspace))
            if workspace is None:
                return None, []
            stages = session.scalars(
                select(Stage.key)
                .join(Journey, Journey.id == Stage.journey_id)
                .where(Journey.workspace_id == workspace.id, Journey.key == "default")
                .order_by(Stage.position)
            ).all()
            taxonomy = taxonomy_from_json(workspace.taxonomy) if workspace.taxonomy is not None else None
            return taxonomy, list(stages)
    finally:
        db.dispose()


def _rows(stream: IO[str], column: str, source: str, encoding: str) -> Iterator[str]:
    reader = csv.reader(stream)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{source} is empty: it needs a header line", line=1) from None
    except UnicodeDecodeError:
        raise InvalidInput(_decode_message(source, encoding), line=1) from None
    if column not in header:
        present = ", ".join(f"'{h}'" for h in header) or "none"
        raise InvalidInput(f"{source} has no column '{column}' (columns: {present})", line=1, field="--column")
    index = header.index(column)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise InvalidInput(_decode_message(source, encoding), line=reader.line_num + 1) from None
        yield values[index] if index < len(values) else ""


def _decode_message(source: str, encoding: str) -> str:
    return (
        f"{source} is not valid {encoding} text; save it as UTF-8 "
        "(or pass --encoding gb18030 for a file from Chinese Excel)"
    )


def _batches(rows: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in rows:
        batch.append(text)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _as_json(row: int, result: TextAnalysis) -> dict[str, Any]:
    return {
        "row": row,
        "language": result.language,
        "sentiment": round(result.sentiment, 2),
        "label": result.label,
        "themes": list(result.themes),
        "stage": result.stage,
    }


@cli_errors
def analyze(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file with a header line (UTF-8; a BOM is fine).")],
    column: Annotated[str, typer.Option("--column", "-c", help="The column holding the free text.")],
    taxonomy_file: Annotated[
        Path | None,
        typer.Option("--taxonomy", help="Taxonomy YAML/JSON (else the workspace's, else the default)."),
    ] = None,
    stages: Annotated[
        str | None,
        typer.Option(help="Journey stage keys, comma-separated (else the workspace's, else the taxonomy's)."),
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of the file, e.g. gb18030.")] = "utf-8",
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per input row.")] = False,
) -> None:
    """Analyse free text (language, sentiment, themes, stage) without storing it."""
    from doorstep.deliveries.csv_import import count_rows, open_csv
    from doorstep.insight.analysis import Analyzer
    from doorstep.insight.taxonomy import default_taxonomy, load_taxonomy

    st = state(ctx)
    stage_keys = [s.strip() for s in stages.split(",") if s.strip()] if stages else []
    taxonomy: Taxonomy | None = None
    if taxonomy_file is not None:
        if not taxonomy_file.is_file():
            raise InvalidInput(f"no such file: {taxonomy_file}", field="--taxonomy")
        taxonomy = load_taxonomy(taxonomy_file.read_text(encoding="utf-8"), source=taxonomy_file.name)
    if taxonomy is None or not stage_keys:
        ws_taxonomy, ws_stages = _workspace_settings(st)
        taxonomy = taxonomy or ws_taxonomy
        stage_keys = stage_keys or ws_stages
    taxonomy = taxonomy or default_taxonomy()
    analyzer = Analyzer(taxonomy, stage_keys or taxonomy.stage_keys())

    labels: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    shown: list[tuple[int, str, TextAnalysis]] = []
    unthemed: list[str] = []
    row = 0
    with open_csv(file, encoding) as stream:
        progress = Progress(
            TextColumn(say("analyze.progress")),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        )
        with progress:
            task = progress.add_task("rows", total=count_rows(file))
            for batch in _batches(_rows(stream, column, file.name, encoding)):
                results = analyzer.analyze_many(batch)
                if json_out:
                    lines = [json.dumps(_as_json(row + i + 1, r), ensure_ascii=False) for i, r in enumerate(results)]
                    if lines:  # one write per batch, not per row
                        sys.stdout.write("\n".join(lines) + "\n")
                        sys.stdout.flush()
                else:
                    for i, (text, result) in enumerate(zip(batch, results, strict=True)):
                        labels[result.label] += 1
                        themes.update(result.themes)
                        if len(shown) < SHOWN_ROWS:
                            shown.append((row + i + 1, text, result))
                        if not result.themes and result.language and len(unthemed) < TOPIC_SAMPLE:
                            unthemed.append(text)
                row += len(batch)
                progress.advance(task, len(batch))
    if not json_out:
        _print_tables(row, labels, themes, shown, unthemed, taxonomy)


def _print_tables(
    total: int,
    labels: Counter[str],
    themes: Counter[str],
    shown: list[tuple[int, str, TextAnalysis]],
    unthemed: list[str],
    taxonomy: Taxonomy,
) -> None:
    from doorstep.insight.clustering import emerging_topics

    names = {"negative": say("analyze.label_negative"), "neutral": say("analyze.label_neutral"),
             "positive": say("analyze.label_positive")}
    summary = Table(say("analyze.col_label"), say("col.rows"), title=say("analyze.summary_title", count=f"{total:,}"))
    for label in ("negative", "neutral", "positive"):
        summary.add_row(names[label], f"{labels[label]:,}")
    console.print(summary)
    if themes:
        table = Table(say("col.theme"), say("col.name"), say("col.rows"), title=say("analyze.themes_title"))
        for key, count in themes.most_common():
            theme = taxonomy.by_key[key]
            table.add_row(key, escape(f"{theme.name_en} / {theme.name_zh}"), f"{count:,}")
        console.print(table)
    rows = Table(say("analyze.col_row"), say("analyze.col_text"), say("analyze.col_lang"), say("analyze.col_sentiment"),
                 say("analyze.col_label"), say("analyze.col_themes"), say("col.stage"),
                 title=say("analyze.rows_title", count=len(shown)))
    for number, text, r in shown:
        clipped = text if len(text) <= 60 else text[:59] + "…"
        rows.add_row(
            str(number),
            escape(clipped),
            r.language or "—",
            f"{r.sentiment:+.2f}",
            names.get(r.label, r.label),
            escape(", ".join(r.themes)) or "—",
            r.stage or "—",
        )
    console.print(rows)
    topics = emerging_topics(unthemed)
    if topics:
        table = Table(say("analyze.col_terms"), say("analyze.col_comments"), say("analyze.col_examples"),
                      title=say("analyze.topics_title"))
        for topic in topics:
            table.add_row(escape(", ".join(topic.terms)), f"{topic.size:,}", escape("\n".join(topic.examples)))
        console.print(table)
