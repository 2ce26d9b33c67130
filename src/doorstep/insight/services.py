"""Analysing stored answers: language, sentiment, themes and stage attribution, in bulk.

:func:`analyze_responses` is called by ``surveys.services.after_responses`` for every
new or changed answer, whichever path stored it (survey page, CSV import, API), before
cases are opened. It runs on million-row imports, so it reads and writes with a few
bulk Core statements per batch and never one query per answer.

:func:`reanalyze` runs it again over a whole workspace (after a taxonomy change, or on a
database imported before the analysis existed) and recomputes the stage durations and
lateness kept at ingest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.db import one_of, table_of, within
from doorstep.deliveries.models import Delivery, Stage, StageEvent
from doorstep.deliveries.services import list_stages, stage_durations
from doorstep.deliveries.stage_daily import rebuild as rebuild_stage_daily
from doorstep.insight.attribution import StageTiming, attribute
from doorstep.insight.drivers import ThemeLabel, drivers
from doorstep.insight.models import ResponseTheme
from doorstep.insight.ops import StageBaseline, stage_baselines
from doorstep.stats import DETRACTOR_MAX
from doorstep.surveys.models import Response

if TYPE_CHECKING:
    from doorstep.insight.analysis import Analyzer
    from doorstep.insight.taxonomy import Taxonomy

CHUNK = 2000  # ids per IN (…) list: far below SQLite's and PostgreSQL's bind limits


def chunks(items: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def workspace_taxonomy(workspace: Workspace) -> Taxonomy:
    """The workspace's own taxonomy, else the default."""
    from doorstep.insight.taxonomy import taxonomy_from_json

    return taxonomy_from_json(workspace.taxonomy)


def theme_labels(workspace: Workspace, stage_keys: Sequence[str]) -> dict[str, ThemeLabel]:
    """The themes that matter to this journey, with their names and the stage each points to.

    The default taxonomy serves food and SaaS alike; a food journey has no use for
    "training", so a theme is ``listed`` when one of its stages is in the journey, when it
    names no stage (a general theme), or when the journey has no stages yet. The others are
    returned too, for their names: :func:`doorstep.insight.drivers.drivers` lists a theme
    that stored answers raised whatever its stages.
    """
    taxonomy = workspace_taxonomy(workspace)
    present = set(stage_keys)
    return {
        t.key: ThemeLabel(
            t.name_en,
            t.name_zh,
            taxonomy.stage_for(t.key, stage_keys),
            listed=not present or not t.stages or bool(present.intersection(t.stages)),
        )
        for t in taxonomy.themes
    }


def driver_report(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    kind: str | None = None,
    segment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """:func:`doorstep.insight.drivers.drivers` with the workspace's theme names."""
    keys = [s.key for s in list_stages(session=session, workspace=workspace)]
    labels = theme_labels(workspace, keys)
    return drivers(
        session=session, workspace=workspace, since=since, until=until, labels=labels, kind=kind, segment=segment
    )


def taxonomy_document(workspace: Workspace) -> dict[str, Any]:
    """The taxonomy in use as the JSON a person edits and gives back to :func:`set_taxonomy`."""
    from doorstep.insight.taxonomy import taxonomy_to_json

    return {
        "source": "workspace" if workspace.taxonomy is not None else "default",
        **taxonomy_to_json(workspace_taxonomy(workspace)),
    }


def set_taxonomy(*, session: Session, workspace: Workspace, text: str | None, source: str = "taxonomy") -> int:
    """Check and store a taxonomy (YAML or JSON text); None goes back to the default.
    Returns how many themes it has. Stored answers keep their themes until re-analysed."""
    from doorstep.insight.taxonomy import default_taxonomy, load_taxonomy, taxonomy_to_json

    if text is None:
        workspace.taxonomy = None
        session.flush()
        return len(default_taxonomy().themes)
    document = taxonomy_to_json(load_taxonomy(text, source=source))
    workspace.taxonomy = document
    session.flush()
    return len(document["themes"])


@lru_cache(maxsize=16)
def _analyzer(taxonomy_json: str, stage_keys: tuple[str, ...]) -> Analyzer:
    # Building the matcher is worth keeping between the batches of one import.
    from doorstep.insight.analysis import Analyzer
    from doorstep.insight.taxonomy import taxonomy_from_json

    return Analyzer(taxonomy_from_json(json.loads(taxonomy_json)), list(stage_keys))


def analyzer_for(workspace: Workspace, stage_keys: Sequence[str]) -> Analyzer:
    return _analyzer(json.dumps(workspace.taxonomy, sort_keys=True, ensure_ascii=False), tuple(stage_keys))


def warm_up() -> None:
    """Load what the first comment would otherwise wait for (the Chinese dictionary, the
    sentiment model, the default taxonomy's matcher): about two seconds, once per process.
    A server does it at start, so its first customers do not pay for it."""
    _analyzer(json.dumps(None), ()).analyze_many(["送得太慢了，饭都凉了", "Great, fast delivery"])


@dataclass
class AnalysisResult:
    analysed: int = 0  # answers looked at
    commented: int = 0  # of which with a comment
    themed: int = 0  # of which with at least one theme
    attributed: dict[str, int] | None = None

    def add(self, other: AnalysisResult) -> None:
        self.analysed += other.analysed
        self.commented += other.commented
        self.themed += other.themed
        mine = self.attributed or {}
        for method, n in (other.attributed or {}).items():
            mine[method] = mine.get(method, 0) + n
        self.attributed = mine

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysed": self.analysed,
            "commented": self.commented,
            "themed": self.themed,
            "attributed": dict(sorted((self.attributed or {}).items())),
        }


def _timings(
    session: Session,
    delivery_ids: set[int],
    baselines: list[StageBaseline],
    lateness: Mapping[int, float | None] | None = None,
) -> dict[int, tuple[float | None, list[StageTiming]]]:
    """Each delivery's lateness, and its stage durations against the stage baselines in journey
    order. ``lateness``: the deliveries' lateness when the caller read it already."""
    baseline = {b.id: (b.baseline_minutes, b.late_over_minutes) for b in baselines}
    order = {b.id: i for i, b in enumerate(baselines)}
    out: dict[int, tuple[float | None, list[StageTiming]]] = {}
    d, e = table_of(Delivery), table_of(StageEvent)
    for ids in chunks(sorted(delivery_ids)):
        if lateness is not None:
            out.update((i, (lateness[i], [])) for i in ids if i in lateness)
        else:
            lateness_of = select(d.c.id, d.c.lateness_minutes).where(one_of(session, d.c.id, ids))
            for delivery_id, minutes in session.execute(lateness_of):
                out[delivery_id] = (minutes, [])
        # An on-time delivery explains nothing by its timing (attribution.attribute): its
        # stage events are not read. Most deliveries are on time, and their events were
        # most of what an import of answers read (five rows per answer).
        late = [i for i in ids if i in out and ((minutes := out[i][0]) is None or minutes > 0)]
        if not late:
            continue
        for row in session.execute(
            select(e.c.delivery_id, e.c.stage_id, e.c.duration_minutes).where(
                one_of(session, e.c.delivery_id, late), e.c.duration_minutes.is_not(None)
            )
        ):
            if row.stage_id in baseline and row.delivery_id in out:
                usual, late_over = baseline[row.stage_id]
                out[row.delivery_id][1].append(StageTiming(row.stage_id, row.duration_minutes, usual, late_over))
    for _, timings in out.values():
        timings.sort(key=lambda timing: order[timing.stage_id])
    return out


ANALYSED = ("language", "sentiment", "sentiment_label", "themes", "attributed_stage_id", "attribution")


class AnswerToAnalyse(Protocol):
    """What the analysis reads of an answer: a stored row, or one about to be stored."""

    @property
    def delivery_id(self) -> int: ...
    @property
    def comment(self) -> str | None: ...
    @property
    def stage_id(self) -> int | None: ...  # the stage the customer picked


def analyse(
    *,
    session: Session,
    workspace: Workspace,
    answers: Sequence[AnswerToAnalyse],
    stages: Sequence[Stage] | None = None,
    lateness: Mapping[int, float | None] | None = None,
    baselines: Sequence[StageBaseline] | None = None,
) -> tuple[list[dict[str, Any]], AnalysisResult]:
    """The analysed columns (``ANALYSED``) of each answer, in order, and what was found.

    Reads only what the answers do not carry: the journey (unless ``stages``), and, for
    an answer that neither picked a stage nor names one, its delivery's timing (the
    lateness from ``lateness`` when the caller read it) against the stages' baselines
    (``baselines`` when the caller has them). Writes nothing, so that a new answer can be
    stored analysed in the one insert (``surveys.services``)."""
    result = AnalysisResult(attributed={}, analysed=len(answers))
    if not answers:
        return [], result
    if stages is None:
        stages = list_stages(session=session, workspace=workspace)
    stage_ids = {s.key: s.id for s in stages}
    commented = [i for i, a in enumerate(answers) if a.comment and a.comment.strip()]
    found: dict[int, Any] = {}
    if commented:
        analyzer = analyzer_for(workspace, [s.key for s in stages])
        found = dict(zip(commented, analyzer.analyze_many([answers[i].comment or "" for i in commented]), strict=True))
    result.commented = len(commented)
    needs_timing = {
        a.delivery_id
        for i, a in enumerate(answers)
        if a.stage_id is None
        and (i not in found or found[i].stage_by_timing or stage_ids.get(found[i].stage or "") is None)
    }
    timings = {}
    if needs_timing:
        if baselines is None:
            baselines = stage_baselines(session=session, workspace=workspace, stages=stages) if stages else []
        timings = _timings(session, needs_timing, list(baselines), lateness)
    values: list[dict[str, Any]] = []
    for i, a in enumerate(answers):
        text = found.get(i)
        late_by, stage_timings = timings.get(a.delivery_id, (None, []))
        stage_id, method = attribute(
            picked_stage_id=a.stage_id,
            text_stage_id=stage_ids.get(text.stage) if text is not None and text.stage else None,
            timings=stage_timings,
            lateness_minutes=late_by,
            text_by_timing=text is not None and text.stage_by_timing,
        )
        keys = list(dict.fromkeys(text.themes)) if text is not None else []
        values.append(
            {
                "language": text.language if text is not None else None,
                "sentiment": text.sentiment if text is not None else None,
                "sentiment_label": text.label if text is not None else None,
                "themes": keys,
                "attributed_stage_id": stage_id,
                "attribution": method,
            }
        )
        result.themed += bool(keys)
        if method is not None:
            assert result.attributed is not None
            result.attributed[method] = result.attributed.get(method, 0) + 1
    return values, result


def theme_rows(
    workspace: Workspace, response_id: int, kind: str, responded_at: dt.datetime, score: int, themes: Sequence[str]
) -> list[dict[str, Any]]:
    """The response_themes rows of one answer: drivers count first answers; a re-survey is the loop's measure."""
    if kind != "nps":
        return []
    return [
        {"response_id": response_id, "theme": key, "workspace_id": workspace.id, "responded_at": responded_at,
         "score": score}
        for key in themes
    ]


def analyze_responses(
    *, session: Session, workspace: Workspace, response_ids: Sequence[int], stages: Sequence[Stage] | None = None
) -> AnalysisResult:
    """Analyse these stored answers' comments and attribute each answer to a stage; store both.

    Replaces, for each answer: language, sentiment, sentiment_label, themes, its
    response_themes rows (with the answer's workspace, time and score copied), and
    attributed_stage_id / attribution (``picked``, ``text``, ``timing`` or NULL).
    ``stages``: the workspace's journey, if the caller has it.
    """
    result = AnalysisResult(attributed={})
    if not response_ids:
        return result
    if stages is None:
        stages = list_stages(session=session, workspace=workspace)
    t = table_of(Response)
    for ids in chunks(sorted(set(response_ids))):
        # By primary key alone, the workspace checked here: with the workspace in the WHERE,
        # SQLite (no statistics yet) scanned the workspace's index instead — 21 ms for 32
        # answers at 100,000, growing with the table.
        rows = [
            row
            for row in session.execute(
                select(
                    t.c.id, t.c.delivery_id, t.c.comment, t.c.stage_id, t.c.score, t.c.responded_at, t.c.kind,
                    t.c.workspace_id, *(t.c[k] for k in ANALYSED),
                ).where(one_of(session, t.c.id, ids))
            )
            if row.workspace_id == workspace.id
        ]
        values, found = analyse(session=session, workspace=workspace, answers=rows, stages=stages)
        result.add(found)
        updates: list[dict[str, Any]] = []
        themes: list[dict[str, Any]] = []
        for r, new in zip(rows, values, strict=True):
            # Most answers of an import have no comment and nothing to attribute: their row
            # already says so (stored with no themes). Rewriting it anyway left PostgreSQL a
            # dead row version per answer (a million after a million-row import).
            if any(getattr(r, k) != v for k, v in new.items()):
                updates.append({"_id": r.id, **new})
            themes.extend(theme_rows(workspace, r.id, r.kind, r.responded_at, r.score, new["themes"]))
        if updates:
            session.connection().execute(
                update(t).where(t.c.id == bindparam("_id")).values({k: bindparam(k) for k in updates[0] if k != "_id"}),
                updates,
            )
        # Theme rows exist only for the themes an answer's row lists (written here, nowhere
        # else): an answer stored with none, as every new one is, has none to delete.
        if stale := [r.id for r in rows if r.themes]:
            session.execute(delete(ResponseTheme).where(one_of(session, ResponseTheme.response_id, stale)))
        if themes:
            session.execute(insert(table_of(ResponseTheme)), themes)
    return result


def recompute_timings(*, session: Session, workspace: Workspace) -> int:
    """Stage durations and lateness of every delivery, as ingest stores them today
    (for data imported before it did, or after the journey's stages were reordered), and
    the per-day stage aggregate rebuilt from them. Returns how many deliveries changed."""
    order = [s.id for s in list_stages(session=session, workspace=workspace)]
    d, e = table_of(Delivery), table_of(StageEvent)
    ids = list(session.scalars(select(d.c.id).where(d.c.workspace_id == workspace.id).order_by(d.c.id)))
    changed = 0
    for part in chunks(ids):
        deliveries = session.execute(
            select(d.c.id, d.c.promised_at, d.c.delivered_at, d.c.lateness_minutes).where(one_of(session, d.c.id, part))
        ).all()
        events: dict[int, dict[int, Any]] = {}
        for row in session.execute(
            select(e.c.delivery_id, e.c.stage_id, e.c.completed_at, e.c.duration_minutes).where(
                one_of(session, e.c.delivery_id, part)
            )
        ):
            events.setdefault(row.delivery_id, {})[row.stage_id] = row
        lateness_rows, duration_rows = [], []
        for row in deliveries:
            lateness = (
                (row.delivered_at - row.promised_at).total_seconds() / 60.0
                if row.delivered_at is not None and row.promised_at is not None
                else None
            )
            touched = lateness != row.lateness_minutes
            if touched:
                lateness_rows.append({"_id": row.id, "lateness_minutes": lateness})
            stored = events.get(row.id, {})
            durations = stage_durations(order, {sid: ev.completed_at for sid, ev in stored.items()})
            for stage_id, duration in durations.items():
                if stored[stage_id].duration_minutes != duration:
                    duration_rows.append({"_d": row.id, "_s": stage_id, "duration_minutes": duration})
                    touched = True
            changed += touched
        if lateness_rows:
            session.connection().execute(
                update(d).where(d.c.id == bindparam("_id")).values(lateness_minutes=bindparam("lateness_minutes")),
                lateness_rows,
            )
        if duration_rows:
            session.connection().execute(
                update(e)
                .where(e.c.delivery_id == bindparam("_d"), e.c.stage_id == bindparam("_s"))
                .values(duration_minutes=bindparam("duration_minutes")),
                duration_rows,
            )
    # From the events as they now are: this is also the repair for rows written around ingest.
    rebuild_stage_daily(session, workspace_id=workspace.id, timezone=workspace.timezone)
    return changed


def reanalyze(*, session: Session, workspace: Workspace, batch_size: int = 5000) -> dict[str, Any]:
    """Recompute timings, then analysis and attribution, for every answer of the workspace."""
    timings_changed = recompute_timings(session=session, workspace=workspace)
    ids = list(session.scalars(select(Response.id).where(Response.workspace_id == workspace.id).order_by(Response.id)))
    result = AnalysisResult(attributed={})
    for start in range(0, len(ids), batch_size):
        result.add(
            analyze_responses(session=session, workspace=workspace, response_ids=ids[start : start + batch_size])
        )
    return {"deliveries_retimed": timings_changed, **result.as_dict()}


def unthemed_complaints(
    *, session: Session, workspace: Workspace, since: dt.datetime | None, until: dt.datetime | None, limit: int
) -> list[str]:
    """The comments of unhappy customers (0–6) in [since, until) that no theme covers, newest
    first, at most ``limit``: what :func:`doorstep.insight.clustering.emerging_topics` groups,
    so that a complaint nobody wrote a theme for does not vanish into "other"."""
    # Probed per answer, newest first, until enough are found (the key of response_themes
    # starts with response_id): a NOT IN list of every themed answer in the period cost
    # ~40 ms at 100,000 answers and grew with them.
    themed = select(ResponseTheme.response_id).where(ResponseTheme.response_id == Response.id).exists()
    comments = session.scalars(
        select(Response.comment)
        .where(
            Response.workspace_id == workspace.id,
            Response.kind == "nps",
            Response.comment.is_not(None),
            Response.score <= DETRACTOR_MAX,
            ~themed,
            *within(Response.responded_at, since, until),
        )
        .order_by(Response.responded_at.desc())
        .limit(limit)
    )
    return [c for c in comments if c and c.strip()]
