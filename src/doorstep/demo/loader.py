"""Loads the generated demo through the same import path a customer's CSV takes.

The rows go through the CSV row parser and the ingest services, so the demo
exercises (and shows off) exactly what a real import does: invitations for
recent hand-overs, quiet periods, cases for detractors.
"""

from __future__ import annotations

import datetime as dt
from secrets import token_urlsafe

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import ApiKey, User, Workspace
from doorstep.accounts.people import add_user
from doorstep.accounts.services import create_api_key, create_workspace, set_lead, update_settings
from doorstep.briefs.models import Brief
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.db import Database, utcnow
from doorstep.deliveries.csv_import import DELIVERY_TABLES, RESPONSE_TABLES, parse_delivery_row, parse_response_row
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage, StageDaily, StageEvent
from doorstep.deliveries.services import add_stage, ingest_deliveries
from doorstep.demo import casework
from doorstep.demo import notes as demo_notes
from doorstep.demo.generator import DemoWorkspace, generate
from doorstep.errors import ImportFailed, Problem
from doorstep.frontline.models import FrontlineNote, NotePhoto, NoteVote
from doorstep.jobs.models import Job
from doorstep.surveys.metrics import nps_summary
from doorstep.surveys.models import Invitation, Response
from doorstep.surveys.services import OPEN_STATES, ingest_responses
from doorstep.timeutil import zone

DEMO_ADMIN = "admin"  # the demo's person who signs in, one per demo workspace

BATCH = 2000
# When each business asks: a meal is judged half an hour after it arrives (the default),
# a SaaS go-live the day after, once the customer has used it.
TIMING: dict[str, dict[str, object]] = {"saas": {"invitation_delay_minutes": 1440}}


def delete_workspace_data(session: Session, workspace_id: int) -> None:
    """Remove a workspace and everything in it, children first (works without cascades)."""
    cases = select(Case.id).where(Case.workspace_id == workspace_id)
    deliveries = select(Delivery.id).where(Delivery.workspace_id == workspace_id)
    journeys = select(Journey.id).where(Journey.workspace_id == workspace_id)
    session.execute(delete(CaseEvent).where(CaseEvent.case_id.in_(cases)))
    session.execute(delete(Escalation).where(Escalation.case_id.in_(cases)))
    session.execute(delete(Job).where(Job.workspace_id == workspace_id))
    session.execute(delete(Case).where(Case.workspace_id == workspace_id))
    notes = select(FrontlineNote.id).where(FrontlineNote.workspace_id == workspace_id)
    session.execute(delete(NoteVote).where(NoteVote.note_id.in_(notes)))
    session.execute(delete(NotePhoto).where(NotePhoto.note_id.in_(notes)))
    session.execute(delete(Brief).where(Brief.workspace_id == workspace_id))
    session.execute(delete(FrontlineNote).where(FrontlineNote.workspace_id == workspace_id))
    session.execute(delete(Response).where(Response.workspace_id == workspace_id))
    session.execute(delete(Invitation).where(Invitation.workspace_id == workspace_id))
    session.execute(delete(StageEvent).where(StageEvent.delivery_id.in_(deliveries)))
    session.execute(delete(StageDaily).where(StageDaily.workspace_id == workspace_id))
    session.execute(delete(Delivery).where(Delivery.workspace_id == workspace_id))
    session.execute(delete(Customer).where(Customer.workspace_id == workspace_id))
    session.execute(delete(Stage).where(Stage.journey_id.in_(journeys)))
    session.execute(delete(Journey).where(Journey.workspace_id == workspace_id))
    session.execute(delete(ApiKey).where(ApiKey.workspace_id == workspace_id))
    session.execute(delete(User).where(User.workspace_id == workspace_id))
    session.execute(delete(Workspace).where(Workspace.id == workspace_id))


def _load_one(session: Session, spec: DemoWorkspace, now: dt.datetime, progress: Progress) -> tuple[str, str]:
    workspace = create_workspace(
        session=session, slug=spec.slug, name=spec.name, timezone=spec.timezone, locale=spec.locale
    )
    for stage in spec.stages:
        add_stage(
            session=session,
            workspace=workspace,
            key=stage.key,
            name=stage.name,
            name_zh=stage.name_zh,
            target_minutes=stage.target_minutes,
        )
    set_lead(session=session, workspace_id=workspace.id, handle=spec.default_cs_owner, lead_handle=None)
    update_settings(session=session, workspace=workspace, default_cs_owner=spec.default_cs_owner,
                    **casework.RULES.get(spec.slug, {}), **TIMING.get(spec.slug, {}))
    for person, lead in sorted(spec.leads.items()):
        set_lead(session=session, workspace_id=workspace.id, handle=person, lead_handle=lead)
    _key, secret = create_api_key(session=session, workspace=workspace, name="demo")
    # Someone has to be able to sign in to the pages: an admin with a fresh password,
    # printed once at the end like the API key.
    password = token_urlsafe(12)
    add_user(session, workspace=workspace, handle=DEMO_ADMIN, role="admin", password=password,
             name="Demo admin", actor="demo", actor_kind="system", now=now)

    tz = zone(spec.timezone)
    stage_columns = [f"stage.{s.key}" for s in spec.stages]
    problems: list[Problem] = []
    task = progress.add_task(f"{spec.slug}: deliveries", total=len(spec.deliveries))
    for start in range(0, len(spec.deliveries), BATCH):
        rows = spec.deliveries[start : start + BATCH]
        records = [
            r
            for i, row in enumerate(rows, start=start + 2)
            if (r := parse_delivery_row(i, row, stage_columns, tz, problems)) is not None
        ]
        if problems:
            raise ImportFailed(problems[:20], source=f"demo {spec.slug} deliveries")
        ingest_deliveries(session=session, workspace=workspace, records=records, now=now)
        progress.advance(task, len(rows))
    task = progress.add_task(f"{spec.slug}: responses", total=len(spec.responses))
    for start in range(0, len(spec.responses), BATCH):
        rows = spec.responses[start : start + BATCH]
        answers = [
            a
            for i, row in enumerate(rows, start=start + 2)
            if (a := parse_response_row(i, row, tz, problems)) is not None
        ]
        result = ingest_responses(session=session, workspace=workspace, records=answers, now=now)
        problems.extend(result.problems)
        if problems:
            raise ImportFailed(problems[:20], source=f"demo {spec.slug} responses")
        progress.advance(task, len(rows))
    if spec.slug in casework.TEAMS:
        # The CS team's history: contacts, fixes, escalations, re-surveys, through the case services.
        casework.work_cases(session, workspace, casework.TEAMS[spec.slug], seed=len(spec.deliveries), now=now)
    # What the frontline sees, in their own words, beside the customers' (the brief shows both).
    demo_notes.add_notes(session, workspace, spec, now=now)
    return secret, password


def load_demo(
    db: Database,
    *,
    seed: int = 7,
    total_deliveries: int = 20_000,
    reset: bool = False,
    console: Console | None = None,
    base_url: str = "http://127.0.0.1:8000",
    now: dt.datetime | None = None,
) -> list[str]:
    """Generate and load the demo workspaces; returns what to tell the person who asked.

    ``now`` anchors the generated history (default: the real time); a test that checks
    one particular week passes a fixed one, so the week's sample does not change by the hour.
    """
    console = console or Console(stderr=True)
    now = now or utcnow()
    specs = generate(seed, now=now, total_deliveries=total_deliveries)
    lines: list[str] = []
    secrets: dict[str, str] = {}
    passwords: dict[str, str] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as progress:
        for spec in specs:
            with db.write() as session:
                existing = session.scalar(select(Workspace).where(Workspace.slug == spec.slug))
                if existing is not None and not reset:
                    lines.append(f"{spec.slug}: already loaded (--reset rebuilds it)")
                    continue
                if existing is not None:
                    delete_workspace_data(session, existing.id)
                    session.flush()
                secrets[spec.slug], passwords[spec.slug] = _load_one(session, spec, now, progress)
    if secrets:  # something was loaded: a bulk load, like a large import
        db.refresh_statistics(DELIVERY_TABLES + RESPONSE_TABLES)
    for spec in specs:
        lines.extend(_summary(db, spec, secrets.get(spec.slug), base_url, passwords.get(spec.slug)))
    return lines


def _summary(
    db: Database, spec: DemoWorkspace, secret: str | None, base_url: str, password: str | None = None
) -> list[str]:
    with db.read() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.slug == spec.slug)).one()
        score = nps_summary(session=session, workspace=workspace)
        deliveries = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.workspace_id == workspace.id)
        )
        links: dict[str, str] = {}
        rows = session.execute(
            select(Invitation.token, Customer.locale)
            .join(Customer, Customer.id == Invitation.customer_id)
            .where(
                Invitation.workspace_id == workspace.id,
                Invitation.kind == "nps",
                Invitation.status.in_(OPEN_STATES),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id)
            .limit(200)
        ).all()
        for token, locale in rows:
            links.setdefault((locale or "en").split("-")[0], token)
    ci = score["ci95"]
    out = [
        f"{spec.slug} — {spec.name}: {deliveries or 0:,} deliveries, {score['responses']:,} responses, "
        f"NPS {score['nps']:+.1f} (95% CI {ci[0]:+.1f} … {ci[1]:+.1f})"
        if ci
        else f"{spec.slug}: no responses",
        f"  API key for {spec.slug} (shown once): {secret}"
        if secret
        else f"  API key: shown when it was loaded; make another with: doorstep key create -w {spec.slug}",
    ]
    out.append(
        f"  sign in at {base_url}/login — workspace {spec.slug}, name {DEMO_ADMIN}, password {password} (shown once)"
        if password
        else f"  sign in as {DEMO_ADMIN}: the password was shown when it was loaded (--reset makes a new one)"
    )
    for lang, token in sorted(links.items()):
        out.append(f"  try a survey ({lang}): {base_url}/s/{token}")
    return out
