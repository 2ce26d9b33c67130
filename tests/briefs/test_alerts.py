"""Alerts on real databases: a stable workspace stays silent, an injected drop or surge
alerts exactly once, tiny segments never do, and the team's chat hears about it once.

Data is simulated (tests/briefs/simulate.py): weeks of answers per team from fixed
score distributions, seeded. Passes are run at many instants over the weeks, as the
scheduled pass would, by moving the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.briefs.simulate import DEFAULT_THEMES, Mix, populate, stable_mixes
from tests.channels.receiver import Receiver

from conftest import FakeClock, WorkspaceHandle
from doorstep.accounts.services import get_workspace, update_settings, workspace_settings
from doorstep.briefs.alert_services import acknowledge, evaluate, find, list_alerts, segment_counts
from doorstep.briefs.models import Alert
from doorstep.channels.webhooks import create_subscription
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.jobs.models import Job
from doorstep.jobs.worker import JobContext, Worker, default_handlers, default_passes

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TEAMS = [f"t{i}" for i in range(8)]
REGIONS = {t: f"r{i % 3}" for i, t in enumerate(TEAMS)}


def run_passes(database: Database, slug: str, moments: list[dt.datetime]) -> list[Alert]:
    raised: list[Alert] = []
    for at in moments:
        with database.write() as session:
            ws = get_workspace(session=session, slug=slug)
            raised += evaluate(session=session, workspace=ws, now=at, base_url="http://testserver")
            session.expunge_all()
    return raised


def all_alerts(database: Database) -> list[Alert]:
    with database.read() as session:
        rows = list(session.scalars(select(Alert).order_by(Alert.id)))
        session.expunge_all()
        return rows


def every(start: dt.datetime, days: float, step_hours: float) -> list[dt.datetime]:
    steps = int(days * 24 / step_hours)
    return [start + dt.timedelta(hours=step_hours * i) for i in range(steps + 1)]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_stable_workspace_raises_nothing_over_four_weeks_of_passes(database, workspace, seed) -> None:
    rng = random.Random(seed)
    mixes = stable_mixes(rng, TEAMS)
    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=36), end=NOW + dt.timedelta(days=21),
             per_day={t: 25 for t in TEAMS}, regions=REGIONS, mix=lambda team, at: mixes[team])
    # 8 teams + 3 regions + the workspace = 12 segments, 4 themes; a pass every 16 hours for 3 weeks.
    moments = every(NOW, 21, 16)
    assert run_passes(database, workspace.slug, moments) == []
    assert all_alerts(database) == []


def test_an_injected_drop_in_one_team_alerts_once_with_its_evidence(database, workspace) -> None:
    rng = random.Random(7)
    mixes = {t: Mix(0.55, 0.15) for t in TEAMS}  # NPS 40 everywhere
    dropped = Mix(0.40, 0.25)  # NPS 15: −25 points
    drop_at = NOW - dt.timedelta(days=2)

    def mix(team: str, at: dt.datetime) -> Mix:
        return dropped if team == "t3" and at >= drop_at else mixes[team]

    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=36), end=NOW + dt.timedelta(days=21),
             per_day={t: 40 for t in TEAMS}, regions=REGIONS, mix=mix)
    # Every 12 hours for three weeks while the drop lasts.
    raised = run_passes(database, workspace.slug, every(NOW, 21, 12))
    alerts = all_alerts(database)
    assert [a.id for a in raised] == [a.id for a in alerts]
    [alert] = [a for a in alerts if a.subject_kind == "team"]
    # t3's region really fell too (by a third of t3's drop): the only other alert it may raise.
    assert {(a.subject_kind, a.subject) for a in alerts} <= {("team", "t3"), ("region", REGIONS["t3"])}
    assert (alert.kind, alert.subject_kind, alert.subject) == ("nps_drop", "team", "t3")
    assert alert.raised_at - drop_at <= dt.timedelta(days=7)  # found within the week
    evidence = alert.evidence
    base, now = evidence["baseline"], evidence["current"]
    assert base["responses"] >= 28 * 40 * 0.9 and now["responses"] >= 30
    assert 30 <= base["nps"] <= 50 and now["nps"] < base["nps"] - 10
    assert base["ci95"][0] < base["nps"] < base["ci95"][1] and now["ci95"][0] < now["nps"] < now["ci95"][1]
    assert evidence["change"]["delta"] == pytest.approx(now["nps"] - base["nps"], abs=0.11)
    assert evidence["change"]["p_value"] < evidence["alpha"]
    assert evidence["tested"] == 12  # 8 teams + 3 regions + the workspace
    assert base["since"] < base["until"] == now["since"] < now["until"]
    assert evidence["links"]["alert"] == f"http://testserver/alerts#alert-{alert.id}"
    assert "by=team" in evidence["links"]["current"]


def test_a_tiny_segment_with_a_big_drop_never_alerts(database, workspace) -> None:
    rng = random.Random(5)
    mixes = {t: Mix(0.55, 0.15) for t in TEAMS}

    def mix(team: str, at: dt.datetime) -> Mix:
        if team == "tiny":
            return Mix(0.0, 1.0) if at >= NOW - dt.timedelta(days=1) else Mix(1.0, 0.0)  # 100 → −100
        return mixes[team]

    per_day = {t: 30 for t in TEAMS} | {"tiny": 1}
    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=40), end=NOW + dt.timedelta(days=4),
             per_day=per_day, regions=REGIONS | {"tiny": "r9"}, mix=mix)
    # At most 5 answers in its current window, all detractors, against 35 promoters before.
    assert run_passes(database, workspace.slug, every(NOW, 4, 8)) == []


def test_a_theme_surge_alerts_once_and_only_for_that_theme(database, workspace) -> None:
    rng = random.Random(9)
    mixes = stable_mixes(rng, TEAMS)
    surge_at = NOW - dt.timedelta(days=3)

    def themes(at: dt.datetime) -> dict[str, float]:
        return DEFAULT_THEMES | {"packaging": 0.15} if at >= surge_at else DEFAULT_THEMES  # 4% → 15%

    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=40), end=NOW + dt.timedelta(days=20),
             per_day={t: 30 for t in TEAMS}, regions=REGIONS, mix=lambda team, at: mixes[team], themes=themes)
    run_passes(database, workspace.slug, every(NOW, 14, 16))
    [alert] = all_alerts(database)
    assert (alert.kind, alert.subject_kind, alert.subject) == ("theme_surge", "theme", "packaging")
    share = alert.evidence["share"]
    assert share["after"] > 2 * share["before"] and share["ratio"] >= 1.5
    assert alert.evidence["current"]["mentions"] >= 10
    assert "/verbatims?theme=packaging" in alert.evidence["links"]["answers"]


def test_acknowledging_does_not_rearm_and_a_new_drop_after_the_quiet_period_alerts_again(database, workspace,
                                                                                         clock) -> None:
    rng = random.Random(3)
    base = Mix(0.55, 0.15)
    # t0 drops, recovers, and drops again ten weeks later.
    first, second = NOW - dt.timedelta(days=2), NOW + dt.timedelta(days=70)

    def mix(team: str, at: dt.datetime) -> Mix:
        bad = first <= at < first + dt.timedelta(days=14) or at >= second
        return Mix(0.35, 0.35) if team == "t0" and bad else base

    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=40), end=NOW + dt.timedelta(days=80),
             per_day={t: 40 for t in TEAMS[:4]}, regions=REGIONS, mix=mix)
    with database.write() as session:  # watch the teams only: t0's region rightly falls with it
        update_settings(session=session, workspace=get_workspace(session=session, slug=workspace.slug),
                        alert_segments=["team"])
    [alert] = [a for a in run_passes(database, workspace.slug, every(NOW, 3, 12)) if a.subject_kind == "team"]
    with database.write() as session:
        acknowledge(session=session, workspace=get_workspace(session=session, slug=workspace.slug),
                    alert_id=alert.id, now=NOW + dt.timedelta(days=3))
    again = run_passes(database, workspace.slug, every(NOW + dt.timedelta(days=3), 14, 24))
    assert [(a.kind, a.subject_kind, a.subject) for a in again if a.subject_kind == "team"] == []
    later = [a for a in run_passes(database, workspace.slug, every(second, 7, 24)) if a.subject_kind == "team"]
    assert [(a.subject, a.kind) for a in later] == [("t0", "nps_drop")]
    with database.read() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        open_alerts, _total = list_alerts(session=session, workspace=ws, open_only=True)
        assert alert.id not in [a.id for a in open_alerts] and later[0].id in [a.id for a in open_alerts]


def test_alerts_can_be_switched_off_and_thresholds_come_from_the_workspace(database, workspace) -> None:
    rng = random.Random(7)
    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=40), end=NOW,
             per_day={t: 40 for t in TEAMS[:3]}, regions=REGIONS,
             mix=lambda team, at: Mix(0.3, 0.4) if team == "t1" and at >= NOW - dt.timedelta(days=5)
             else Mix(0.55, 0.15))
    with database.write() as session:
        update_settings(session=session, workspace=get_workspace(session=session, slug=workspace.slug),
                        alerts_enabled=False)
    assert run_passes(database, workspace.slug, [NOW]) == []
    with database.write() as session:
        update_settings(session=session, workspace=get_workspace(session=session, slug=workspace.slug),
                        alerts_enabled=True, alert_min_drop_points=60)
    assert run_passes(database, workspace.slug, [NOW]) == []  # the drop is about 45 points
    with database.write() as session:
        update_settings(session=session, workspace=get_workspace(session=session, slug=workspace.slug),
                        alert_min_drop_points=10)
    # t1 is alone in its region and a third of the workspace: both fell with it, and say so.
    raised = {(a.subject_kind, a.subject) for a in run_passes(database, workspace.slug, [NOW])}
    assert raised == {("team", "t1"), ("region", REGIONS["t1"]), ("workspace", "all")}


def test_every_kind_of_segment_can_be_watched(database, workspace) -> None:
    """Built-in segments (owner, language, stage) and any attribute count on both engines."""
    populate(database, workspace.id, rng=random.Random(2), start=NOW - dt.timedelta(days=36), end=NOW,
             per_day={t: 10 for t in TEAMS[:2]}, regions=REGIONS, mix=lambda team, at: Mix(0.5, 0.2))
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        update_settings(session=session, workspace=ws,
                        alert_segments=["team", "owner", "language", "stage", "product", " team"])
        assert workspace_settings(ws).alert_segments == ["team", "owner", "language", "stage", "product"]
        rules, findings = find(session=session, workspace=ws, now=NOW)
        since, split, until = rules.windows(NOW)
        teams = segment_counts(session=session, workspace=ws, by="team", since=since, split=split, until=until)
        assert sorted(s.subject for s in teams) == ["t0", "t1"] and findings == []
        assert sum(s.baseline.responses + s.current.responses for s in teams) == 2 * 10 * 35
        with pytest.raises(ValueError):
            update_settings(session=session, workspace=ws, alert_segments=[""])


# --- the worker and the chat ---------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def test_the_scheduled_pass_raises_it_and_the_chat_hears_once(database, settings: Settings, workspace: WorkspaceHandle,
                                                              receiver: Receiver) -> None:
    rng = random.Random(7)
    populate(database, workspace.id, rng=rng, start=NOW - dt.timedelta(days=40), end=NOW + dt.timedelta(days=2),
             per_day={t: 40 for t in TEAMS[:4]}, regions=REGIONS,
             mix=lambda team, at: Mix(0.35, 0.35) if team == "t2" and at >= NOW - dt.timedelta(days=6)
             else Mix(0.55, 0.15))
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        create_subscription(session=session, workspace=ws, url=f"{receiver.url}/bot", events=["alert.raised"],
                            format="feishu", secret=None, now=NOW)
    clock = FakeClock(NOW)
    passes = [p for p in default_passes() if p.kind == "pass.alerts"]
    worker = Worker(JobContext(database, settings, clock, "w1"), handlers=default_handlers(), passes=passes)
    for _ in range(8):  # two hours of 15-minute slots
        worker.run_until_idle()
        clock.advance(minutes=15)
    with database.read() as session:
        runs = session.scalars(select(Job).where(Job.kind == "pass.alerts")).all()
        assert [(j.status, j.last_error) for j in runs] == [("done", None)] * 8
    [alert] = [a for a in all_alerts(database) if a.subject_kind == "team"]
    assert alert.subject == "t2"
    # One message per alert (t2's region fell with it and may alert too), each sent once.
    assert len(receiver.requests) == len(all_alerts(database))
    cards = [r.json()["card"] for r in receiver.requests]
    [card] = [c for c in cards if "team t2" in c["header"]["title"]["content"]]
    assert "t2" in card["header"]["title"]["content"] and card["header"]["template"] == "red"
    detail = card["elements"][0]["text"]["content"]
    assert "→" in detail and "p = " in detail
    button = card["elements"][1]["actions"][0]
    assert button["url"] == f"http://testserver/alerts#alert-{alert.id}"
