"""Invitations, the public survey flow and response import.

An invitation is created when a delivery is delivered, unless the customer was
asked inside the workspace's quiet period, or the hand-over is older than an
invitation's lifetime (importing last year's orders must not survey anyone).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import time
import weakref
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.cases.services import ResponseFacts, open_cases
from doorstep.db import insert_returning, one_of, one_of_param, select_where_in, table_of
from doorstep.deliveries.models import Customer, Delivery, Stage
from doorstep.deliveries.records import ResponseRecord
from doorstep.deliveries.services import add_stage, list_stages, stage_aliases
from doorstep.errors import Conflict, DoorstepError, Gone, InvalidInput, NotFound, Problem
from doorstep.insight.language import detect_language
from doorstep.insight.models import ResponseTheme
from doorstep.insight.ops import StageBaseline, stage_baselines
from doorstep.insight.services import analyse, analyze_responses, theme_rows
from doorstep.jobs.services import enqueue, enqueue_per_row
from doorstep.surveys import timing
from doorstep.surveys.models import Invitation, Response

MAX_COMMENT = 20_000  # a 10,000-character complaint is real; a megabyte is not a comment
OPEN_STATES = ("pending", "sent", "opened")
SEND_INVITATION = "invitation.send"  # the job that delivers an invitation (e-mail; see doorstep.channels)
FOLLOW_UP = "responses.follow_up"  # analysis, attribution, cases and events of imported answers, for a worker
CUSTOMER_TIMEZONE = "customer_timezone"  # delivery attribute: the customer's IANA zone, for quiet hours
UTC_ZONE = zoneinfo.ZoneInfo("UTC")
LOOKUP_CHUNK = 5000  # tokens per IN (…): well under SQLite's limit on bound parameters


def new_token() -> str:
    """192 random bits, URL-safe: unguessable, and short enough for an SMS or a QR code."""
    return secrets.token_urlsafe(24)


def invite_delivered(
    *,
    session: Session,
    workspace: Workspace,
    deliveries: list[tuple[str, int, int, dt.datetime | None, dict[str, Any]]],
    now: dt.datetime,
) -> list[tuple[str, str]]:
    """Invitations for freshly delivered hand-overs: (external_id, delivery id, customer id,
    delivered_at, delivery attributes). Returns (external_id, token) of those created.

    The workspace's timing rules decide who is asked and when: a deterministic sample,
    nobody twice inside the quiet period, and a send time ``invitation_delay_minutes``
    after the hand-over moved out of the customer's quiet hours (in the delivery's
    ``customer_timezone`` attribute, else the workspace's zone). The invitation can be
    answered for ``invitation_expiry_days`` after that send time. Each one gets an
    ``invitation.send`` job due at its send time, in this same transaction.
    """
    rules = workspace_settings(workspace)
    lifetime = dt.timedelta(days=rules.invitation_expiry_days)
    quiet = dt.timedelta(days=rules.quiet_period_days)
    fresh = [
        d
        for d in deliveries
        if d[3] is not None and now - d[3] < lifetime and timing.sampled(workspace.id, d[0], rules.sampling_rate)
    ]
    if not fresh:
        return []
    customers = {d[2] for d in fresh}
    last_asked: dict[int, dt.datetime] = dict(
        session.execute(
            select(Invitation.customer_id, func.max(Invitation.created_at))
            .where(Invitation.customer_id.in_(customers), Invitation.kind == "nps")
            .group_by(Invitation.customer_id)
        ).all()
    )
    zones: dict[str | None, zoneinfo.ZoneInfo] = {}
    rows: list[dict[str, Any]] = []
    created: list[tuple[str, str]] = []
    for ext, delivery_id, customer_id, delivered_at, attributes in sorted(fresh, key=lambda d: d[3]):  # type: ignore[arg-type,return-value]
        previous = last_asked.get(customer_id)
        if previous is not None and now - previous < quiet:
            continue
        assert delivered_at is not None  # filtered above
        send_after = timing.send_time(
            delivered_at,
            now=now,
            delay_minutes=rules.invitation_delay_minutes,
            quiet=rules.quiet_hours,
            # Only quiet hours need the customer's zone: skip the look-up when there are none.
            tz=customer_zone(attributes, workspace.timezone, zones) if rules.quiet_hours else UTC_ZONE,
        )
        token = new_token()
        rows.append(
            {
                "workspace_id": workspace.id,
                "delivery_id": delivery_id,
                "customer_id": customer_id,
                "token": token,
                "kind": "nps",
                "channel": "link",
                "status": "pending",
                "created_at": now,
                "send_after": send_after,
                "expires_at": send_after + lifetime,
            }
        )
        last_asked[customer_id] = now
        created.append((ext, token))
    if rows:
        _insert_with_send_jobs(session, rows, now)
    return created


def _insert_with_send_jobs(session: Session, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """Insert invitations and one ``invitation.send`` job each, due at its send time.

    A plain executemany, then the jobs made by the database from the rows just written
    (found by their tokens, a unique index). Measured on 2,000 rows: ``INSERT … RETURNING``
    to get the ids costs 1.5× the insert on SQLite and 4× on PostgreSQL, and an executemany
    of the jobs from Python as much as the insert again; the INSERT … SELECT a fraction.
    """
    t = table_of(Invitation)
    session.execute(insert(t), rows)
    tokens = [row["token"] for row in rows]
    for start in range(0, len(tokens), LOOKUP_CHUNK):
        enqueue_per_row(
            session,
            kind=SEND_INVITATION,
            table=t,
            where=[t.c.token.in_(tokens[start : start + LOOKUP_CHUNK])],
            payload_key="invitation_id",
            dedupe_prefix="invite",
            run_at=t.c.send_after,
            now=now,
        )


def customer_zone(
    attributes: dict[str, Any], fallback: str, cache: dict[str | None, zoneinfo.ZoneInfo] | None = None
) -> zoneinfo.ZoneInfo:
    """The zone named by the delivery's ``customer_timezone`` attribute, else the workspace's
    (cached per name: a file of 200,000 rows names a handful of zones, or a bad one often)."""
    if cache is None:
        cache = {}
    name = attributes.get(CUSTOMER_TIMEZONE)
    key = name.strip() if isinstance(name, str) and name.strip() else None
    found = cache.get(key)
    if found is None:
        found = cache[key] = timing.zone(key, fallback)
    return found


def schedule_send(*, session: Session, invitation: Invitation) -> None:
    """Enqueue the ``invitation.send`` job of one invitation, due at its ``send_after``
    (re-surveys; a new delivery's invitations are enqueued in bulk above)."""
    enqueue(
        session,
        kind=SEND_INVITATION,
        payload={"invitation_id": invitation.id},
        run_at=invitation.send_after or invitation.created_at,
        dedupe_key=f"invite:{invitation.id}",
        workspace_id=invitation.workspace_id,
    )


@dataclass
class SurveyView:
    """Everything the public page needs, and nothing more (no internal ids beyond the token)."""

    token: str
    workspace_name: str
    delivery_external_id: str
    delivered_at: dt.datetime | None
    customer_locale: str | None
    workspace_locale: str
    stages: list[tuple[str, str, str | None]]  # key, name, name_zh
    answered_score: int | None = None
    answered_comment: str | None = None


def _invitation(session: Session, token: str, now: dt.datetime) -> Invitation:
    """The invitation behind a token, or NotFound / Gone (see :func:`_invitations`).

    The friendly "this survey has closed" is kept for a customer opening an old e-mail:
    it only tells what the holder of a 192-bit token already knows.
    """
    invitation = _invitations(session, [token]).get(token)
    if invitation is None:
        raise NotFound("this survey link is not valid")
    if invitation.status != "responded" and (invitation.expires_at <= now or invitation.status == "expired"):
        raise Gone("this survey has closed")
    return invitation


def open_survey(*, session: Session, token: str, now: dt.datetime) -> SurveyView:
    """The survey behind a token; records the first opening."""
    invitation = _invitation(session, token, now)
    if invitation.opened_at is None:
        _record_opening(invitation, now)
        session.flush()
    return _view(session, invitation)


def _view(session: Session, invitation: Invitation) -> SurveyView:
    delivery = session.get_one(Delivery, invitation.delivery_id)
    customer = session.get_one(Customer, invitation.customer_id)
    workspace = session.get_one(Workspace, invitation.workspace_id)
    stages = list(
        session.scalars(select(Stage).where(Stage.journey_id == delivery.journey_id).order_by(Stage.position))
    )
    answer = session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    if answer is None and invitation.status == "responded":
        # Answered another way (an import, an open link): show that answer, not a fresh form.
        answer = session.scalar(
            select(Response)
            .where(Response.delivery_id == invitation.delivery_id, Response.kind == invitation.kind)
            .order_by(Response.responded_at.desc())
            .limit(1)
        )
    return SurveyView(
        token=invitation.token,
        workspace_name=workspace.name,
        delivery_external_id=delivery.external_id,
        delivered_at=delivery.delivered_at,
        customer_locale=customer.locale,
        workspace_locale=workspace.locale,
        stages=[(s.key, s.name, s.name_zh) for s in stages],
        answered_score=answer.score if answer else None,
        answered_comment=answer.comment if answer else None,
    )


def clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    # NUL bytes are refused by PostgreSQL text columns and mean nothing to a person.
    # One line break is one character on every path (a browser form sends CRLF).
    text = comment.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"a comment is at most {MAX_COMMENT:,} characters", field="comment")
    return text or None


def check_score(value: object, *, line: int | None = None) -> int:
    if isinstance(value, bool):
        raise InvalidInput("must be a whole number from 0 to 10", line=line, field="score")
    if isinstance(value, str):
        text = value.strip()
        # "9.0" is what a spreadsheet or pandas writes for 9 once a column has had a blank.
        whole = text[:-2] if text.endswith(".0") else text
        if not whole.isdigit():
            raise InvalidInput(f"'{text[:20]}' is not a whole number from 0 to 10", line=line, field="score")
        value = int(whole)
    if not isinstance(value, int) or not 0 <= value <= 10:
        raise InvalidInput(f"{value!r} is not a whole number from 0 to 10", line=line, field="score")
    return value


@dataclass(frozen=True)
class Answer:
    """One survey answer as the page posts it, before any checking."""

    token: str
    score: object
    comment: str | None
    stage: str | None
    now: dt.datetime


@dataclass
class Answered:
    """What became of an answer: the page to show, whether it was stored now (a second
    answer keeps the first: False), and the problem that kept it from being stored."""

    view: SurveyView
    created: bool
    problem: InvalidInput | None = None


def submit_response(
    *,
    session: Session,
    token: str,
    score: int,
    comment: str | None,
    stage: str | None,
    now: dt.datetime,
) -> tuple[SurveyView, bool]:
    """Record the answer to an invitation. Returns (view, created); a second answer keeps
    the first and returns created=False. Raises InvalidInput, NotFound, Gone."""
    outcome = submit_responses(session=session, answers=[Answer(token, score, comment, stage, now)])[0]
    if isinstance(outcome, DoorstepError):
        raise outcome
    if outcome.problem is not None:
        raise outcome.problem
    return outcome.view, outcome.created


def submit_responses(*, session: Session, answers: Sequence[Answer]) -> list[Answered | DoorstepError]:
    """Record many survey answers in one go: what a busy survey's group commit hands over
    (``Database.call_grouped``). One result per answer, in order: an :class:`Answered`, or
    the NotFound / Gone its token earns (returned, not raised: the others still count).

    The cost is per batch, not per answer, wherever it can be: one query for the
    invitations, one each for their deliveries, customers and stages, one insert, one
    update, then :func:`after_responses` once for all of them (analysis, cases, events).
    An answer with a bad score, comment or stage is not stored; its survey is recorded as
    opened, as the form shown again would have been.
    """
    results: list[Answered | DoorstepError | None] = [None] * len(answers)
    found = _invitations(session, [a.token for a in answers])
    open_ones: dict[str, list[int]] = {}  # token → the answers that may store it, in order
    for index, answer in enumerate(answers):
        invitation = found.get(answer.token)
        if invitation is None:
            results[index] = NotFound("this survey link is not valid")
        elif invitation.status != "responded" and (
            invitation.expires_at <= answer.now or invitation.status == "expired"
        ):
            # Known to be closed before anything else is read: as cheap as an unknown token.
            results[index] = Gone("this survey has closed")
        elif invitation.status != "responded":
            open_ones.setdefault(answer.token, []).append(index)
        # else answered before: that answer is shown, below
    context = _SurveyContext.load(session, [found[token] for token in open_ones])
    pending: dict[str, tuple[Invitation, Answer]] = {}
    storing: list[tuple[int, str]] = []
    for token, indexes in open_ones.items():
        invitation = found[token]
        for index in indexes:  # the first good one is stored; later ones see it (a double post)
            if token in pending:
                break
            try:
                pending[token] = (invitation, _checked(answers[index], context.stage_ids(invitation)))
                storing.append((index, token))
            except InvalidInput as problem:
                _record_opening(invitation, answers[index].now)
                results[index] = Answered(context.view(invitation), False, problem)
    stored = _store(session, list(pending.values()), context)
    for index, token in storing:
        results[index] = stored[token]
    done: list[Answered | DoorstepError] = []
    for index, result in enumerate(results):
        if result is None:
            result = Answered(_view(session, found[answers[index].token]), False)
        done.append(result)
    return done


def _invitations(session: Session, tokens: list[str]) -> dict[str, Invitation]:
    """The invitations behind these tokens, in one indexed SELECT.

    A token that never existed and one that expired cost the same: the one query, then a
    check in memory (tests/surveys/test_token_lookup.py counts the statements), so the
    time taken does not tell them apart. ``compare_digest`` confirms the exact token
    without leaking where it differs, should a database collation ever match loosely.
    """
    # Bounded, plain-text tokens: anything else cannot be one of ours, so never queried.
    wanted = {t for t in tokens if 16 <= len(t) <= 64 and all(c.isalnum() or c in "-_" for c in t)}
    if not wanted:
        return {}
    candidates: dict[str, list[str]] = {}
    for token in wanted:
        candidates.setdefault(token.lower(), []).append(token)
    found = {}
    for invitation in session.scalars(_queries(session).invitations, {"tokens": list(wanted)}):
        for token in candidates.get(invitation.token.lower(), ()):
            if hmac.compare_digest(invitation.token.encode(), token.encode()):
                found[token] = invitation
    return found


def _checked(answer: Answer, stage_ids: dict[str, int]) -> Answer:
    """The answer with its score and comment checked and cleaned; raises InvalidInput."""
    score = check_score(answer.score)
    comment = clean_comment(answer.comment)
    stage = answer.stage or None
    if stage and stage not in stage_ids:
        # Named rather than keyed ("Data migration", "数据迁移"), as the CSV's stage column
        # takes it: a survey of the sender's own, posting here, shows the names.
        sent, stage = stage, stage.strip().casefold()
        if stage not in stage_ids:
            raise InvalidInput(f"unknown stage '{sent[:64]}'", field="stage")
    return Answer(answer.token, score, comment, stage, answer.now)


def _record_opening(invitation: Invitation, now: dt.datetime) -> None:
    if invitation.opened_at is None:
        invitation.opened_at = now
        if invitation.status in ("pending", "sent"):
            invitation.status = "opened"


class _Queries(NamedTuple):
    """The survey batch's look-ups, built once per engine (building them cost as much as running them)."""

    invitations: Select[*tuple[Any, ...]]
    deliveries: Select[*tuple[Any, ...]]
    locales: Select[*tuple[Any, ...]]
    stages: Select[*tuple[Any, ...]]


def _queries(session: Session) -> _Queries:
    return _queries_for(session.get_bind().dialect.name)


@lru_cache(maxsize=4)
def _queries_for(dialect: str) -> _Queries:
    d = table_of(Delivery)
    return _Queries(
        invitations=select(Invitation).where(one_of_param(dialect, Invitation.token, "tokens")),
        deliveries=select(d.c.id, d.c.journey_id, d.c.external_id, d.c.delivered_at, d.c.lateness_minutes).where(
            one_of_param(dialect, d.c.id, "ids")
        ),
        locales=select(Customer.id, Customer.locale).where(one_of_param(dialect, Customer.id, "ids")),
        stages=select(Stage).where(one_of_param(dialect, Stage.journey_id, "ids")).order_by(Stage.position),
    )


BASELINE_TTL_SECONDS = 300.0
_baselines: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], tuple[float, list[StageBaseline]]]] = (
    weakref.WeakKeyDictionary()
)


def recent_baselines(session: Session, workspace: Workspace, stages: Sequence[Stage]) -> list[StageBaseline]:
    """The journey's stage baselines as worked out on this engine at most five minutes ago.

    A stage without a target takes the usual duration of its last 5,000 hand-overs: five
    such stages read 25,000 durations, and every batch of survey answers did, 30 of its
    37 ms. Usual durations move over days, not minutes. Kept per engine (a test's own
    database starts empty-handed), by workspace and the stages' ids and targets."""
    if not stages or all(s.target_minutes is not None for s in stages):
        return stage_baselines(session=session, workspace=workspace, stages=stages)  # nothing to read
    cache = _baselines.setdefault(session.get_bind(), {})
    key = (workspace.id, tuple((s.id, s.target_minutes) for s in stages))
    now = time.monotonic()
    found = cache.get(key)
    if found is None or found[0] <= now:
        if len(cache) > 1000:  # workspaces come and go; the cache does not grow with them
            cache.clear()
        found = cache[key] = (now + BASELINE_TTL_SECONDS, stage_baselines(session=session, workspace=workspace,
                                                                            stages=stages))
    return found[1]


class _ToAnalyse(NamedTuple):
    delivery_id: int
    comment: str | None
    stage_id: int | None


@dataclass
class _SurveyContext:
    """What the pages of a batch of invitations show, loaded in one query per table."""

    deliveries: dict[int, Any]
    locales: dict[int, str | None]
    workspaces: dict[int, Workspace]
    stages: dict[int, list[Stage]]
    _stage_ids: dict[int, dict[str, int]] = field(default_factory=dict)  # by journey, worked out once
    _stage_choices: dict[int, list[tuple[str, str, str | None]]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, invitations: list[Invitation]) -> _SurveyContext:
        if not invitations:
            return cls({}, {}, {}, {})
        queries = _queries(session)
        deliveries = {
            row.id: row
            for row in session.execute(queries.deliveries, {"ids": list({i.delivery_id for i in invitations})})
        }
        locales: dict[int, str | None] = {
            customer_id: locale
            for customer_id, locale in session.execute(
                queries.locales, {"ids": list({i.customer_id for i in invitations})}
            )
        }
        workspaces = {w: session.get_one(Workspace, w) for w in {i.workspace_id for i in invitations}}
        stages: dict[int, list[Stage]] = {}
        journeys = list({row.journey_id for row in deliveries.values()})
        for stage in session.scalars(queries.stages, {"ids": journeys}):
            stages.setdefault(stage.journey_id, []).append(stage)
        return cls(deliveries, locales, workspaces, stages)

    @property
    def lateness(self) -> dict[int, float | None]:
        """Each delivery's lateness in minutes, for the analysis's attribution by timing."""
        return {delivery_id: row.lateness_minutes for delivery_id, row in self.deliveries.items()}

    def journey_of(self, invitation: Invitation) -> list[Stage]:
        """The stages of the invitation's journey, in order (a workspace has one journey)."""
        return self.stages.get(self.deliveries[invitation.delivery_id].journey_id, [])

    def stage_ids(self, invitation: Invitation) -> dict[str, int]:
        """Stage ids by key, and by what else names them, casefolded (``stage_aliases``)."""
        journey = self.deliveries[invitation.delivery_id].journey_id
        if journey not in self._stage_ids:
            stages = self.stages.get(journey, [])
            ids = {s.key: s.id for s in stages}
            self._stage_ids[journey] = {**{alias: ids[key] for alias, key in stage_aliases(stages).items()}, **ids}
        return self._stage_ids[journey]

    def _choices(self, journey: int) -> list[tuple[str, str, str | None]]:
        """The journey's (key, name, name_zh), shared by the batch's pages (nothing changes them)."""
        if journey not in self._stage_choices:
            self._stage_choices[journey] = [(s.key, s.name, s.name_zh) for s in self.stages.get(journey, [])]
        return self._stage_choices[journey]

    def view(self, invitation: Invitation, answer: Answer | None = None) -> SurveyView:
        delivery = self.deliveries[invitation.delivery_id]
        workspace = self.workspaces[invitation.workspace_id]
        return SurveyView(
            token=invitation.token,
            workspace_name=workspace.name,
            delivery_external_id=delivery.external_id,
            delivered_at=delivery.delivered_at,
            customer_locale=self.locales.get(invitation.customer_id),
            workspace_locale=workspace.locale,
            stages=self._choices(delivery.journey_id),
            answered_score=answer.score if answer is not None else None,  # type: ignore[arg-type]
            answered_comment=answer.comment if answer is not None else None,
        )


def _store(
    session: Session, pending: list[tuple[Invitation, Answer]], context: _SurveyContext
) -> dict[str, Answered | DoorstepError]:
    """Insert checked answers, close their invitations, then run what follows answers."""
    if not pending:
        return {}
    t = table_of(Response)
    rows: list[dict[str, Any]] = [
        {
            "workspace_id": invitation.workspace_id,
            "delivery_id": invitation.delivery_id,
            "customer_id": invitation.customer_id,
            "invitation_id": invitation.id,
            "source_key": f"inv:{invitation.id}",
            "kind": "resurvey" if invitation.kind == "resurvey" else "nps",
            "score": answer.score,
            "comment": answer.comment,
            "stage_id": context.stage_ids(invitation)[answer.stage] if answer.stage else None,
            "attributes": {"source": invitation.channel},
            "responded_at": answer.now,
            "created_at": answer.now,
        }
        for invitation, answer in pending
    ]
    # Analysed before the insert, so that each row is written once, complete (language,
    # sentiment, themes, attributed stage), and never read back to be updated.
    by_workspace: dict[int, list[int]] = {}
    for index, (invitation, _answer) in enumerate(pending):
        by_workspace.setdefault(invitation.workspace_id, []).append(index)
    for workspace_id, indexes in by_workspace.items():
        workspace, journey = context.workspaces[workspace_id], context.journey_of(pending[indexes[0]][0])
        values, _found = analyse(
            session=session,
            workspace=workspace,
            answers=[_ToAnalyse(rows[i]["delivery_id"], rows[i]["comment"], rows[i]["stage_id"]) for i in indexes],
            stages=journey,
            lateness=context.lateness,
            baselines=recent_baselines(session, workspace, journey),
        )
        for i, analysed in zip(indexes, values, strict=True):
            rows[i].update(analysed)
    # An answer whose invitation another process answered between our read and our write
    # (our own process takes turns) is skipped by the insert, not raised: it keeps
    # whichever answer came first, and the others of the batch are stored.
    ids: dict[int, int] = dict(insert_returning(session, t, rows, ("invitation_id", "id"), on_conflict_do_nothing=()))
    raced = {invitation.token: invitation for invitation, _answer in pending if invitation.id not in ids}
    if raced:
        pending = [(invitation, answer) for invitation, answer in pending if invitation.token not in raced]
        rows = [row for row in rows if row["invitation_id"] in ids]
    inv = table_of(Invitation)
    if pending:
        session.execute(
            update(inv).where(inv.c.id == bindparam("_id")).values(status="responded", responded_at=bindparam("_at")),
            [{"_id": invitation.id, "_at": answer.now} for invitation, answer in pending],
        )
    for invitation, answer in pending:  # as stored: nothing left for the session to flush
        set_committed_value(invitation, "status", "responded")
        set_committed_value(invitation, "responded_at", answer.now)
    themes: list[dict[str, Any]] = []
    facts: dict[int, list[ResponseFacts]] = {}
    resurveys: dict[int, int | None] = {}  # response → the case it re-surveys
    for (invitation, answer), row in zip(pending, rows, strict=True):
        response_id = ids[invitation.id]
        resurveys[response_id] = invitation.case_id if invitation.kind == "resurvey" else None
        themes.extend(theme_rows(context.workspaces[invitation.workspace_id], response_id, row["kind"],
                                 answer.now, row["score"], row["themes"]))
        facts.setdefault(invitation.workspace_id, []).append(
            ResponseFacts(response_id, invitation.delivery_id, invitation.customer_id, answer.score, answer.now)  # type: ignore[arg-type]
        )
    if themes:
        session.execute(insert(table_of(ResponseTheme)), themes)
    for workspace_id, workspace_facts in facts.items():
        after_responses(session=session, workspace=context.workspaces[workspace_id], responses=workspace_facts,
                        analysed=True, just_stored=resurveys)
    stored: dict[str, Answered | DoorstepError] = {
        invitation.token: Answered(context.view(invitation, answer), True) for invitation, answer in pending
    }
    for token, invitation in raced.items():
        session.refresh(invitation)
        stored[token] = Answered(_view(session, invitation), False)
    return stored


ANNOUNCE_WINDOW = dt.timedelta(days=1)


def after_responses(
    *,
    session: Session,
    workspace: Workspace,
    responses: list[ResponseFacts],
    announce_since: dt.datetime | None = None,
    analysed: bool = False,
    just_stored: Mapping[int, int | None] | None = None,
) -> int:
    """Everything that follows new or changed answers, in order, whichever path stored them
    (survey page, import, API). Returns how many cases were opened.

    The order matters: text analysis and stage attribution come first, because which
    answers open a case (and where it is routed) may depend on them. Then the workspace's
    webhooks hear of them (``response.created``, ``case.opened``): all of them for live
    answers; for an import only those answered since ``announce_since`` — loading last
    year's answers must not post a thousand messages into the team's chat. Announcing
    twice (an answer amended later) is harmless: events are deduplicated by id.

    The survey page stores its answers analysed (``analysed``) and knows which re-survey
    which case (``just_stored``, see :func:`doorstep.cases.intake.open_cases`): what the
    other paths read back, it passes on.
    """
    from doorstep.channels.events import emit_responses_created, subscribers  # channels build on surveys

    hearing = subscribers(session, workspace_id=workspace.id)  # one query for both kinds of event
    if not analysed:  # else stored analysed already (the survey page: ``_store``)
        analyze_responses(session=session, workspace=workspace, response_ids=[r.response_id for r in responses])
    opened = open_cases(session=session, workspace=workspace, responses=responses, announce_since=announce_since,
                        subscriptions=hearing.get("case.opened", []), just_stored=just_stored)
    fresh = [r for r in responses if announce_since is None or r.responded_at >= announce_since]
    if fresh:
        emit_responses_created(session, workspace, [r.response_id for r in fresh], max(r.responded_at for r in fresh),
                               subscriptions=hearing.get("response.created", []))
    return opened


# --- import ---------------------------------------------------------------------


@dataclass
class ResponseImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    queued: int = 0  # answers whose follow-up (analysis, cases, events) waits for a worker
    problems: list[Problem] = field(default_factory=list)
    follow_up_jobs: list[int] = field(default_factory=list)

    def add(self, other: ResponseImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.cases_opened += other.cases_opened
        self.queued += other.queued
        self.problems.extend(other.problems)
        self.follow_up_jobs.extend(other.follow_up_jobs)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "cases_opened": self.cases_opened,
            "queued": self.queued,
        }


def source_key(delivery_external_id: str, responded_at: dt.datetime, occurrence: int = 1) -> str:
    """The identity of an imported answer: its delivery and time, and — for the rare file with
    two answers to one delivery at the same time — which of them it is, so neither is lost
    and a re-import still finds both."""
    key = f"csv:{delivery_external_id}:{responded_at.astimezone(dt.UTC).isoformat(timespec='seconds')}"
    return key if occurrence == 1 else f"{key}#{occurrence}"


def ingest_responses(
    *,
    session: Session,
    workspace: Workspace,
    records: list[ResponseRecord],
    now: dt.datetime,
    dry_run: bool = False,
    queue_follow_up: bool = False,
    deliveries: dict[str, tuple[int, int]] | None = None,
    journey: Sequence[Stage] | None = None,
) -> ResponseImportResult:
    """Store answers that arrived outside our survey page (a file, another tool).

    Idempotent by (delivery, responded_at): a replay changes nothing, a corrected row
    updates the answer. Problems (unknown delivery or stage) are returned, not raised,
    so a caller can report every bad row of a file at once; nothing is written for a
    batch that has problems, nor with ``dry_run``.

    What follows a new answer (text analysis, stage attribution, cases, webhooks) runs
    here, in the caller's transaction, unless ``queue_follow_up``: then it is one
    ``responses.follow_up`` job for the batch, committed with the answers, for a worker
    (or the importing command itself) to run. A bulk load then holds the write lock only
    as long as storing takes, and several workers share the analysis.

    ``deliveries`` (external id → delivery id, customer id): the records' deliveries, looked
    up already by whoever read them; an external id missing from it does not exist.
    ``journey``: the workspace's stages, if the caller has them (a file's batches share them).
    """
    result = ResponseImportResult()
    if not records:
        return result
    if deliveries is None:  # else looked up already (by the process reading the file: csv_import)
        deliveries = {  # external id → (delivery id, customer id)
            external_id: (delivery_id, customer_id)
            for external_id, delivery_id, customer_id in select_where_in(
                session, table_of(Delivery), ("external_id", "id", "customer_id"), "external_id",
                {r.delivery_external_id for r in records}, workspace_id=workspace.id,
            )
        }
    if not journey:  # an empty journey is asked again: the batch may teach it its stages
        journey = list_stages(session=session, workspace=workspace)
    stages = {s.key: s.id for s in journey}
    # A survey tool's export often carries the stage as it was shown ("Delivered", "已送达"):
    # names in either language, and keys in any case, are read as the stage they name.
    aliases = stage_aliases(journey)
    for r in records:
        if r.stage and r.stage not in stages and (alias := aliases.get(r.stage.casefold())) is not None:
            r.stage = alias
    if not stages and not dry_run:
        # A journey nobody described yet learns its stages from the answers, as it would
        # from a deliveries file's stage columns.
        for key in dict.fromkeys(r.stage for r in records if r.stage):
            stages[key] = add_stage(session=session, workspace=workspace, key=key).id
    for r in records:
        if r.delivery_external_id not in deliveries:
            result.problems.append(
                Problem(
                    f"delivery '{r.delivery_external_id[:80]}' does not exist (import deliveries first)",
                    r.line,
                    "delivery_external_id",
                )
            )
        if r.stage and r.stage not in stages and not (dry_run and not stages):
            known = ", ".join(stages) or "none yet"
            result.problems.append(
                Problem(f"unknown stage '{r.stage[:64]}'; the journey has: {known}", r.line, "stage")
            )
    if result.problems or dry_run:
        return result

    rows: dict[str, dict[str, Any]] = {}
    for r in records:
        delivery_id, customer_id = deliveries[r.delivery_external_id]
        key = r.source_key or source_key(r.delivery_external_id, r.responded_at, r.occurrence)
        rows[key] = {
            "workspace_id": workspace.id,
            "delivery_id": delivery_id,
            "customer_id": customer_id,
            "source_key": key,
            "score": r.score,
            "comment": r.comment,
            "stage_id": stages[r.stage] if r.stage else None,
            # A reader that worked out the key worked out the language too (csv_import).
            "language": r.language if r.source_key else detect_language(r.comment),
            "themes": [],  # what the analysis finds in no comment: it then need not rewrite the row
            "attributes": r.attributes,
            "responded_at": r.responded_at,
            "created_at": now,
        }
    t = table_of(Response)
    # Insert what is new, and look up only the answers already there (a re-import): the unique
    # key finds them inside the insert, so a first import pays for no separate look-up.
    new_ids = dict((key, id_) for id_, key in insert_returning(
        session, t, list(rows.values()), ("id", "source_key"), on_conflict_do_nothing=("workspace_id", "source_key")
    ))
    existing = {
        row.source_key: row
        for row in session.execute(
            select(t.c.id, t.c.source_key, t.c.score, t.c.comment, t.c.stage_id, t.c.attributes).where(
                t.c.workspace_id == workspace.id, one_of(session, t.c.source_key, [k for k in rows if k not in new_ids])
            )
        )
    } if len(new_ids) < len(rows) else {}
    new_rows = [row for key, row in rows.items() if key in new_ids]
    changed = []
    for key, old in existing.items():
        row = rows[key]
        if (old.score, old.comment, old.stage_id, old.attributes) != (
            row["score"],
            row["comment"],
            row["stage_id"],
            row["attributes"],
        ):
            changed.append(
                {"_id": old.id, **{k: row[k] for k in ("score", "comment", "stage_id", "language", "attributes")}}
            )
    result.created = len(new_rows)
    result.updated = len(changed)
    result.unchanged = len(existing) - len(changed)
    if changed:
        session.connection().execute(
            update(t)
            .where(t.c.id == bindparam("_id"))
            .values(
                score=bindparam("score"),
                comment=bindparam("comment"),
                stage_id=bindparam("stage_id"),
                language=bindparam("language"),
                attributes=bindparam("attributes"),
            ),
            changed,
        )
    # New and corrected answers go on to analysis and cases; a replayed one changes nothing.
    changed_ids = {c["_id"] for c in changed}
    if queue_follow_up:
        ids = sorted([*new_ids.values(), *changed_ids])
        if ids:
            job_id, _ = enqueue(
                session, kind=FOLLOW_UP, workspace_id=workspace.id, run_at=now,
                payload={"response_ids": ids, "announce_since": (now - ANNOUNCE_WINDOW).isoformat()},
            )
            result.follow_up_jobs.append(job_id)
        result.queued = len(ids)
    else:
        facts = [ResponseFacts(new_ids[row["source_key"]], row["delivery_id"], row["customer_id"], row["score"],
                               row["responded_at"]) for row in new_rows]
        facts += [ResponseFacts(old.id, rows[k]["delivery_id"], rows[k]["customer_id"], rows[k]["score"],
                                rows[k]["responded_at"]) for k, old in existing.items() if old.id in changed_ids]
        result.cases_opened = after_responses(session=session, workspace=workspace, responses=facts,
                                              announce_since=now - ANNOUNCE_WINDOW)
    # An answer that reached us another way closes the open invitation for that delivery.
    session.execute(
        update(table_of(Invitation))
        .where(
            one_of(session, Invitation.delivery_id, {row["delivery_id"] for row in rows.values()}),
            Invitation.status.in_(OPEN_STATES),
            Invitation.kind == "nps",
        )
        .values(status="responded", responded_at=now)
    )
    return result


def response_facts(session: Session, workspace: Workspace, ids: Sequence[int]) -> list[ResponseFacts]:
    """What case intake needs of the workspace's answers with these ids."""
    if not ids:
        return []
    t = table_of(Response)
    return [
        ResponseFacts(row.id, row.delivery_id, row.customer_id, row.score, row.responded_at)
        for row in session.execute(
            select(t.c.id, t.c.delivery_id, t.c.customer_id, t.c.score, t.c.responded_at)
            .where(t.c.workspace_id == workspace.id, one_of(session, t.c.id, ids))
            .order_by(t.c.id)
        )
    ]


def follow_up(session: Session, *, workspace: Workspace, response_ids: Sequence[int],
              announce_since: dt.datetime | None) -> int:
    """The queued follow-up of imported answers (see ``ingest_responses``); returns the cases
    opened. Safe to run twice: the analysis rewrites what it wrote, a case opens once per
    answer, events are deduplicated. An answer erased meanwhile is simply not there."""
    facts = response_facts(session, workspace, response_ids)
    return after_responses(session=session, workspace=workspace, responses=facts, announce_since=announce_since)


def find_open_invitation(*, session: Session, workspace: Workspace, delivery_id: int) -> Invitation | None:
    return session.scalar(
        select(Invitation)
        .where(
            Invitation.workspace_id == workspace.id,
            Invitation.delivery_id == delivery_id,
            Invitation.status.in_(OPEN_STATES),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )


# --- one-click scores (e-mail) ----------------------------------------------------------

CLICK_SOURCE = "email-click"  # Response.attributes["source"] of an answer recorded by a score link
CLICK_AMEND_WINDOW = dt.timedelta(hours=24)  # how long the "why?" step may add to a clicked score


class AmendRefused(Conflict):
    """The "why?" step cannot add to this answer. ``reason``: ``commented`` (already
    said why), ``too_late`` (window over), ``not_click`` (answered on the page),
    ``unanswered`` (no answer yet)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def peek_survey(*, session: Session, token: str, now: dt.datetime) -> SurveyView:
    """The survey behind a token, recording nothing (HEAD requests, link scanners)."""
    return _view(session, _invitation(session, token, now))


def answer_by_click(*, session: Session, token: str, score: object, now: dt.datetime) -> tuple[SurveyView, bool]:
    """Record the score of a one-click link in an invitation e-mail. Returns (view,
    created); an invitation already answered keeps its answer (created=False)."""
    score = check_score(score)
    open_survey(session=session, token=token, now=now)  # a click is an opening too
    invitation = _invitation(session, token, now)
    # submit_response stores the invitation's channel as the answer's source, and the
    # routing of the case it may open reads that source: name the click for the
    # duration of the call, so every step after it sees "email-click".
    channel = invitation.channel
    invitation.channel = CLICK_SOURCE
    try:
        return submit_response(session=session, token=token, score=score, comment=None, stage=None, now=now)
    finally:
        invitation.channel = channel
        session.flush()


def _clicked_response(session: Session, invitation: Invitation, *, lock: bool = False) -> Response | None:
    query = select(Response).where(Response.invitation_id == invitation.id)
    return session.scalar(query.with_for_update() if lock else query)


def _refusal(response: Response | None, now: dt.datetime) -> AmendRefused | None:
    if response is None:
        return AmendRefused("this survey has no answer yet", "unanswered")
    attributes = response.attributes or {}
    if attributes.get("source") != CLICK_SOURCE:
        return AmendRefused("only a score given by a link in the e-mail can be completed", "not_click")
    if response.comment is not None or attributes.get("amended_at"):
        return AmendRefused("this answer already says why", "commented")
    if now - response.responded_at >= CLICK_AMEND_WINDOW:
        return AmendRefused("a clicked score can be completed for 24 hours only", "too_late")
    return None


def click_amendable(*, session: Session, token: str, now: dt.datetime) -> bool:
    """Whether the answer behind ``token`` is a clicked score still waiting for its "why"."""
    invitation = _invitation(session, token, now)
    return _refusal(_clicked_response(session, invitation), now) is None


def amend_click_answer(
    *, session: Session, token: str, comment: str | None, stage: str | None, now: dt.datetime
) -> tuple[SurveyView, bool]:
    """Add the "why" (comment and, optionally, the stage) to a clicked score, once, within
    24 hours of the click; analysis and cases then run again for that answer. Returns
    (view, changed); nothing to add changes nothing. Raises AmendRefused, InvalidInput."""
    comment = clean_comment(comment)
    invitation = _invitation(session, token, now)
    response = _clicked_response(session, invitation, lock=True)  # one "why" even for two posts at once
    refused = _refusal(response, now)
    if refused is not None:
        raise refused
    assert response is not None
    stage_id = None
    if stage:
        delivery = session.get_one(Delivery, invitation.delivery_id)
        stages = list(session.scalars(select(Stage).where(Stage.journey_id == delivery.journey_id)))
        key = stage if any(s.key == stage for s in stages) else stage_aliases(stages).get(stage.strip().casefold())
        stage_id = next((s.id for s in stages if s.key == key), None)
        if stage_id is None:
            raise InvalidInput(f"unknown stage '{stage}'", field="stage")
    if comment is None and stage_id is None:
        return _view(session, invitation), False
    response.comment = comment
    response.stage_id = stage_id
    response.language = detect_language(comment)
    response.attributes = {**(response.attributes or {}), "amended_at": now.isoformat()}
    session.flush()
    workspace = session.get_one(Workspace, invitation.workspace_id)
    if response.kind == "resurvey":
        # The click already verified (or reopened) the case; handing the answer to the
        # verification step again would add a second, misleading entry to its timeline.
        analyze_responses(session=session, workspace=workspace, response_ids=[response.id])
    else:
        # Opening cases is idempotent per answer (a case exists → nothing new), and an
        # answer that now qualifies (a negative passive, a blamed stage) gets its case.
        after_responses(
            session=session,
            workspace=workspace,
            responses=[ResponseFacts(response.id, response.delivery_id, response.customer_id, response.score,
                                     response.responded_at)],
        )
    return _view(session, invitation), True
