"""Upgrading a database made by the first release of the schema keeps every row (issue 7 §8).

On an empty database of its own (a fresh SQLite file; a fresh PostgreSQL schema),
the schema is migrated to the first revision only, filled with plain SQL as that
release wrote it (two workspaces, users with a lead, API keys, journeys and stages,
customers, deliveries with stage events, notes and votes, invitations including a
re-survey one, answers with comments, cases and their events), then upgraded with
the same :func:`doorstep.migrations.upgrade` that ``doorstep serve`` runs. Every
row of every first-release table must come back with the same values, the later
revisions' backfills must be right (``responses.kind``), and the app must work on
the result: its first-release API key still opens the API, the NPS counts the old
answers, a new delivery is ingested and answered.

Revisions are read from the script directory, so a later migration is held to
the same test without editing it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Connection, inspect, select, text

from conftest import FakeClock, login, password_hash
from doorstep.accounts.models import Workspace
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.migrations import alembic_config, current_revision, head_revision, upgrade
from doorstep.models import Base
from doorstep.stats import summarise_scores
from doorstep.surveys.metrics import nps_summary
from doorstep.surveys.models import Response

PG_URL = os.environ.get("DOORSTEP_TEST_DATABASE_URL")
ON_CI = os.environ.get("CI", "").lower() == "true"
T0 = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)


def revisions() -> list[str]:
    """Every revision, first to last, as the script directory orders them."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    ordered = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert ordered and ordered[-1] == head_revision()
    return ordered


FIRST = revisions()[0]





def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    """Run Alembic to ``revision`` on the app's own engine (its SQLite pragmas included),
    the way :func:`doorstep.migrations.upgrade` does."""
    cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names()) - {"alembic_version"}


# --- the first release's data, in its own SQL ------------------------------------------


class Writer:
    """INSERTs in plain SQL, with values stored the way the first release stored them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    def at(self, minutes: float) -> Any:
        moment = T0 + dt.timedelta(minutes=minutes)
        # SQLAlchemy's DateTime on SQLite: naive UTC text; on PostgreSQL: timestamptz.
        return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else moment

    def insert(self, table: str, **values: Any) -> int:
        for name, value in values.items():
            if isinstance(value, dict | list):
                values[name] = json.dumps(value, ensure_ascii=False)
        columns = ", ".join(f'"{c}"' for c in values)
        params = ", ".join(f":{c}" for c in values)
        stmt = f'INSERT INTO "{table}" ({columns}) VALUES ({params}) RETURNING id'
        return int(self.conn.execute(text(stmt), values).scalar_one())

    def insert_plain(self, table: str, **values: Any) -> None:
        columns = ", ".join(f'"{c}"' for c in values)
        params = ", ".join(f":{c}" for c in values)
        self.conn.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({params})'), values)


@dataclass
class FirstRelease:
    key_secret: str  # the admin key of workspace "acme", as its owner kept it
    acme_nps_scores: list[int]  # every "nps" answer of acme
    resurvey_response_id: int
    nps_response_ids: list[int]
    counts: dict[str, int]


ACME_ANSWERS = [  # (delivery, score, comment, stage)
    ("A-1", 10, "骑手很准时，饭还是热的", None),
    ("A-2", 9, 'Great, "as usual", thanks', None),
    ("A-3", 3, "汤洒了，饭也凉了\n等了一个小时", "delivered"),
    ("A-4", 7, None, None),
    ("A-5", 0, "=HYPERLINK(\"http://evil\") never again", "cooked"),
    ("A-6", 6, "<script>alert(1)</script>", None),
]
ZETA_ANSWERS = [("Z-1", 9, "ok", None), ("Z-2", 10, None, None), ("Z-3", 2, "late and cold", None)]


def fill_first_release(conn: Connection) -> FirstRelease:
    w = Writer(conn)
    acme = w.insert("workspaces", slug="acme", name="Acme 外卖", timezone="Asia/Shanghai", locale="zh-CN",
                    settings={"first_contact_hours": 4, "business_hours": {"days": [1, 2, 3, 4, 5, 6]}},
                    created_at=w.at(0))
    zeta = w.insert("workspaces", slug="zeta", name="Zeta Parcels", timezone="UTC", locale="en",
                    settings={}, created_at=w.at(1))

    prefix = "0a1b2c3d4e5f"
    secret = f"dsk_{prefix}_first-release-secret-kept-by-the-owner"
    w.insert("api_keys", workspace_id=acme, name="default", role="admin", prefix=prefix,
             secret_hash=hashlib.sha256(secret.encode()).hexdigest(), created_at=w.at(2), last_used_at=w.at(30))
    w.insert("api_keys", workspace_id=zeta, name="old", role="admin", prefix="ffeeddccbbaa",
             secret_hash=hashlib.sha256(b"gone").hexdigest(), created_at=w.at(2), revoked_at=w.at(3))

    lead = w.insert("users", workspace_id=acme, handle="lin", name="林经理", email="lin@acme.cn", role="cs",
                    active=True, created_at=w.at(4))
    agent = w.insert("users", workspace_id=acme, handle="wang", name="王", email=None, role="cs", lead_id=lead,
                     password_hash=None, active=True, created_at=w.at(4))
    rider = w.insert("users", workspace_id=acme, handle="rider-1", role="frontline", active=False, created_at=w.at(4))
    w.insert("users", workspace_id=zeta, handle="bob", name="Bob", role="admin", active=True, created_at=w.at(4))

    journeys = {acme: w.insert("journeys", workspace_id=acme, key="default", name="Delivery"),
                zeta: w.insert("journeys", workspace_id=zeta, key="default", name="Delivery")}
    stages: dict[int, dict[str, int]] = {acme: {}, zeta: {}}
    acme_stages = [("ordered", "Ordered", "下单", None), ("cooked", "Cooked", "出餐", 15.0),
                   ("delivered", "Delivered", None, 30.5)]
    for position, (key, name, name_zh, target) in enumerate(acme_stages):
        stages[acme][key] = w.insert("stages", journey_id=journeys[acme], key=key, name=name, name_zh=name_zh,
                                     position=position, target_minutes=target)
    for position, key in enumerate(["picked", "delivered"]):
        stages[zeta][key] = w.insert("stages", journey_id=journeys[zeta], key=key, name=key.title(),
                                     position=position)

    invitations: dict[str, int] = {}
    deliveries: dict[str, tuple[int, int, int]] = {}  # external id → (workspace, delivery, customer)
    for ws, answers, team in ((acme, ACME_ANSWERS, "north"), (zeta, ZETA_ANSWERS, "east")):
        for i, (external_id, _score, _comment, _stage) in enumerate(answers):
            customer = w.insert("customers", workspace_id=ws, external_id=f"cust-{external_id}",
                                name="张三" if ws == acme else "Ann", email=f"c{i}@example.com",
                                locale="zh-CN" if ws == acme else None,
                                attributes={"tier": "gold"} if i % 2 else {}, created_at=w.at(10 + i))
            delivered = 60 + 10 * i
            delivery = w.insert("deliveries", workspace_id=ws, journey_id=journeys[ws], external_id=external_id,
                                customer_id=customer, owner_id=rider if ws == acme and i % 2 == 0 else None,
                                status="delivered", promised_at=w.at(delivered - 5), delivered_at=w.at(delivered),
                                attributes={"team": team if i < 4 else "south", "单号": f"№{i}"},
                                created_at=w.at(delivered - 40), updated_at=w.at(delivered))
            deliveries[external_id] = (ws, delivery, customer)
            for j, stage_id in enumerate(stages[ws].values()):
                w.insert_plain("stage_events", delivery_id=delivery, stage_id=stage_id,
                               completed_at=w.at(delivered - 10 * (len(stages[ws]) - 1 - j)))
            invitations[external_id] = w.insert(
                "invitations", workspace_id=ws, delivery_id=delivery, customer_id=customer,
                token=f"tok-{external_id}-{'x' * 24}", kind="nps", channel="link", status="responded",
                created_at=w.at(delivered), sent_at=w.at(delivered + 1), opened_at=w.at(delivered + 30),
                responded_at=w.at(delivered + 31), expires_at=w.at(delivered + 7 * 24 * 60))

    nps_ids: list[int] = []
    response_of: dict[str, int] = {}
    for ws, answers in ((acme, ACME_ANSWERS), (zeta, ZETA_ANSWERS)):
        for external_id, score, comment, stage in answers:
            _ws, delivery, customer = deliveries[external_id]
            response_of[external_id] = w.insert(
                "responses", workspace_id=ws, delivery_id=delivery, customer_id=customer,
                invitation_id=invitations[external_id], source_key=f"inv:{invitations[external_id]}", score=score,
                comment=comment, stage_id=stages[ws][stage] if stage else None,
                language=("zh" if comment and any("\u4e00" <= ch <= "\u9fff" for ch in comment) else
                          "en" if comment else None),
                sentiment=-0.5 if score <= 6 else 0.6, themes=["timeliness"] if score <= 6 else [],
                attributes={"source": "survey"}, responded_at=w.at(120 + score), created_at=w.at(121 + score))
            nps_ids.append(response_of[external_id])
    # An answer imported from a CSV: no invitation.
    _ws, d1, c1 = deliveries["A-1"]
    nps_ids.append(w.insert(
        "responses", workspace_id=acme, delivery_id=d1, customer_id=c1, invitation_id=None,
        source_key="csv:A-1:2026-02-10T09:30:00+00:00:1", score=8, comment="  imported, with spaces  ",
        attributes={"channel": "csv"}, responded_at=w.at(90), created_at=w.at(200)))

    cases: dict[str, int] = {}
    for external_id, score, _comment, stage in [*ACME_ANSWERS, *ZETA_ANSWERS]:
        if score > 6:
            continue
        ws, delivery, customer = deliveries[external_id]
        opened = 125 + score
        cases[external_id] = w.insert(
            "cases", workspace_id=ws, response_id=response_of[external_id], delivery_id=delivery,
            customer_id=customer, owner_id=agent if ws == acme else None, status="open",
            priority="high" if score <= 3 else "normal", opened_at=w.at(opened),
            first_contact_due=w.at(opened + 240), resolution_due=w.at(opened + 2880),
            root_cause_stage_id=stages[ws][stage] if stage else None, version=1)
        w.insert("case_events", case_id=cases[external_id], at=w.at(opened), actor="system", kind="opened",
                 to_status="open")

    # A case closed the whole way round: contacted, resolved, re-surveyed, answered.
    ws, delivery, customer = deliveries["A-3"]
    resurvey = w.insert("invitations", workspace_id=acme, delivery_id=delivery, customer_id=customer,
                        token="resurvey-A-3-" + "y" * 24, kind="resurvey", channel="email", status="responded",
                        created_at=w.at(600), sent_at=w.at(600), responded_at=w.at(700), expires_at=w.at(10_680))
    resurvey_response = w.insert(
        "responses", workspace_id=acme, delivery_id=delivery, customer_id=customer, invitation_id=resurvey,
        source_key=f"inv:{resurvey}", score=8, comment="退款收到了，谢谢", language="zh",
        attributes={}, responded_at=w.at(700), created_at=w.at(700))
    conn.execute(
        text("UPDATE cases SET status = 'closed', contacted_at = :c, resolved_at = :r, closed_at = :r, "
             "root_cause_theme = 'spillage', resolution = 'refund; 道歉', resurvey_invitation_id = :inv, "
             "resurvey_score = 8, version = 4 WHERE id = :id"),
        {"c": w.at(200), "r": w.at(300), "inv": resurvey, "id": cases["A-3"]},
    )
    for minutes, kind, before, after, note in [
        (200, "contacted", "open", "contacted", "called, no answer"),
        (300, "resolved", "contacted", "resolved", "refund"),
        (700, "verified", "resolved", "closed", None),
    ]:
        w.insert("case_events", case_id=cases["A-3"], at=w.at(minutes), actor="wang", kind=kind,
                 from_status=before, to_status=after, note=note)

    note = w.insert("frontline_notes", workspace_id=acme, author_id=rider, stage_id=stages[acme]["cooked"],
                    delivery_id=deliveries["A-5"][1], text="出餐口排队太久", language="zh", status="open",
                    votes=1, created_at=w.at(400))
    w.insert("frontline_notes", workspace_id=acme, author_id=None, text="Lift broken at block 4", status="answered",
             reply="Reported to the landlord", votes=0, created_at=w.at(410))
    w.insert("note_votes", note_id=note, user_id=lead, created_at=w.at(420))

    counts = {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
              for t in inspect(conn).get_table_names() if t != "alembic_version"}
    return FirstRelease(
        key_secret=secret,
        acme_nps_scores=[s for _, s, _, _ in ACME_ANSWERS] + [8],
        resurvey_response_id=resurvey_response,
        nps_response_ids=nps_ids,
        counts=counts,
    )


def snapshot(conn: Connection, names: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, only the given columns, in primary-key order."""
    found = inspect(conn)
    rows = {}
    for table, columns in names.items():
        order = found.get_pk_constraint(table)["constrained_columns"]
        cols = ", ".join(f'"{c}"' for c in columns)
        keys = ", ".join(f'"{c}"' for c in order)
        rows[table] = [tuple(r) for r in conn.execute(text(f'SELECT {cols} FROM "{table}" ORDER BY {keys}'))]
    return rows


# --- the tests --------------------------------------------------------------------------


def test_upgrading_a_first_release_database_keeps_every_row(empty_db: Database) -> None:
    # On SQLite this once deleted every case: Alembic's table rebuilds cascaded through
    # the foreign keys (fixed in doorstep.migrations.upgrade).
    migrate(empty_db, FIRST)
    assert current_revision(empty_db.engine) == FIRST
    with empty_db.engine.begin() as conn:
        first = fill_first_release(conn)
    with empty_db.engine.connect() as conn:
        found = inspect(conn)
        first_columns = {t: [c["name"] for c in found.get_columns(t)] for t in first.counts}
        before = snapshot(conn, first_columns)
    assert first.counts["responses"] == len(ACME_ANSWERS) + len(ZETA_ANSWERS) + 2
    assert all(first.counts[t] > 0 for t in first.counts), first.counts  # every first-release table has rows

    assert upgrade(empty_db.engine) is True  # what `doorstep serve` and `doorstep migrate` run
    assert current_revision(empty_db.engine) == head_revision()
    assert upgrade(empty_db.engine) is False

    with empty_db.engine.connect() as conn:
        after = snapshot(conn, first_columns)
        counts = {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in first.counts}
    assert counts == first.counts
    for table in first_columns:
        assert after[table] == before[table], f"rows of {table} changed in the upgrade"

    # Read back through the head models: values, types and time zones as the app sees them.
    with empty_db.read() as s:
        acme = s.scalar(select(Workspace).where(Workspace.slug == "acme"))
        assert acme is not None and acme.name == "Acme 外卖" and acme.timezone == "Asia/Shanghai"
        assert acme.settings == {"first_contact_hours": 4, "business_hours": {"days": [1, 2, 3, 4, 5, 6]}}
        spilled = s.scalar(select(Response).where(Response.score == 3))
        assert spilled is not None and spilled.comment == "汤洒了，饭也凉了\n等了一个小时"
        assert spilled.responded_at == T0 + dt.timedelta(minutes=123)
        assert spilled.themes == ["timeliness"] and spilled.attributes == {"source": "survey"}
        # 0003's backfill: the answer to a re-survey invitation is no NPS answer.
        kinds = {rid: kind for rid, kind in s.execute(select(Response.id, Response.kind))}
        assert kinds[first.resurvey_response_id] == "resurvey"
        assert {kinds[i] for i in first.nps_response_ids} == {"nps"}
        assert len(kinds) == len(first.nps_response_ids) + 1

        # The app's own counting over the upgraded data: the re-survey answer does not flatter it.
        summary = nps_summary(session=s, workspace=acme)
        assert summary == summarise_scores(first.acme_nps_scores).as_dict()

    # The app on the upgraded database, with the key its owner created in the first release.
    clock = FakeClock(T0 + dt.timedelta(days=1))
    settings = Settings(database_url=empty_db.url, base_url="http://testserver")
    headers = {"Authorization": f"Bearer {first.key_secret}"}
    with TestClient(create_app(settings, db=empty_db, clock=clock)) as client:
        nps = client.get("/api/v1/metrics/nps", headers=headers)
        assert nps.status_code == 200, nps.text
        assert nps.json()["responses"] == len(first.acme_nps_scores)
        by_team = client.get("/api/v1/metrics/nps", params={"by": "team"}, headers=headers)
        assert by_team.status_code == 200, by_team.text
        assert {g["key"] for g in by_team.json()["groups"]} == {"north", "south"}

        delivered = clock.now - dt.timedelta(minutes=30)
        new = client.post("/api/v1/deliveries", headers=headers, json={
            "external_id": "A-7", "customer_id": "cust-new", "delivered_at": delivered.isoformat(),
            "stages": {"ordered": (delivered - dt.timedelta(minutes=40)).isoformat(),
                       "cooked": (delivered - dt.timedelta(minutes=20)).isoformat(),
                       "delivered": delivered.isoformat()},
        })
        assert new.status_code == 200, new.text
        [invitation] = new.json()["invitations"]
        answered = client.post(f"/s/{invitation['token']}", data={"score": "10", "comment": "升级后也好用"})
        assert answered.status_code == 200, answered.text
        nps = client.get("/api/v1/metrics/nps", headers=headers).json()
        assert nps == summarise_scores([*first.acme_nps_scores, 10]).as_dict()
    with empty_db.read() as s:
        # The new rows got fresh ids after the old ones (sequences carried on).
        newest = s.scalar(select(Response).where(Response.comment == "升级后也好用"))
        assert newest is not None and newest.kind == "nps"
        assert newest.id > max([*first.nps_response_ids, first.resurvey_response_id])


def test_every_revision_upgrades_and_downgrades_on_an_empty_database(empty_db: Database) -> None:
    chain = revisions()
    migrate(empty_db, FIRST)
    first_tables = tables(empty_db)
    assert first_tables and current_revision(empty_db.engine) == FIRST

    for revision in chain[1:]:  # up one step at a time …
        migrate(empty_db, revision)
        assert current_revision(empty_db.engine) == revision
    head_tables = tables(empty_db)
    assert head_tables == set(Base.metadata.tables)

    for revision in reversed(chain[:-1]):  # … down one step at a time, to the first release …
        migrate(empty_db, revision, down=True)
        assert current_revision(empty_db.engine) == revision
    assert tables(empty_db) == first_tables

    assert upgrade(empty_db.engine) is True  # … and up again in one go
    assert current_revision(empty_db.engine) == head_revision()
    assert tables(empty_db) == head_tables


def test_system_note_ids_leave_earlier_timeline_entries_as_they_were(empty_db: Database) -> None:
    # 0011 adds case_events.note_key and note_params (a system note as a message id, for pages
    # in the reader's language). Entries written before have neither, and show their text as stored.
    migrate(empty_db, "0010")
    with empty_db.engine.begin() as conn:
        first = fill_first_release(conn)
    columns = ["id", "case_id", "at", "actor", "kind", "from_status", "to_status", "note"]
    with empty_db.engine.connect() as conn:
        before = snapshot(conn, {"case_events": columns})["case_events"]
    assert len(before) == first.counts["case_events"]

    migrate(empty_db, "0011")
    with empty_db.engine.connect() as conn:
        assert snapshot(conn, {"case_events": columns})["case_events"] == before
        ids = conn.execute(text("SELECT count(*) FROM case_events WHERE note_key IS NULL AND note_params IS NULL"))
        assert ids.scalar_one() == len(before)
        case_id = conn.execute(text("SELECT case_id FROM case_events WHERE note = 'called, no answer'")).scalar_one()

    clock = FakeClock(T0 + dt.timedelta(days=1))
    settings = Settings(database_url=empty_db.url, base_url="http://testserver")
    with TestClient(create_app(settings, db=empty_db, clock=clock)) as client:
        login(client, empty_db, "acme", "cs")
        page = client.get(f"/cases/{case_id}", params={"lang": "zh"})
        assert page.status_code == 200, page.text
        assert "called, no answer" in page.text and "处理记录" in page.text

    migrate(empty_db, "0010", down=True)  # SQLite rebuilds the table: every row must survive it
    with empty_db.engine.connect() as conn:
        assert snapshot(conn, {"case_events": columns})["case_events"] == before


USERS_COLUMNS = ["id", "workspace_id", "handle", "name", "email", "role", "lead_id", "password_hash", "active",
                 "created_at"]
SESSION_COLUMNS = ["id", "user_id", "token_hash", "created_at", "expires_at", "revoked_at"]


def _a_person_signed_in_at(
    empty_db: Database, revision: str, *, locale: str | None = None
) -> tuple[int, dict[str, list[str]], dict[str, Any]]:
    """The first release's people at ``revision``, lin with a password (and ``locale``, from 0012)
    and one open session: (lin's id, the columns compared, their rows before the migration)."""
    migrate(empty_db, revision)
    with empty_db.engine.begin() as conn:
        fill_first_release(conn)
        w = Writer(conn)
        lin = conn.execute(text("SELECT id FROM users WHERE handle = 'lin'")).scalar_one()
        conn.execute(text("UPDATE users SET password_hash = :h WHERE id = :id"), {"h": password_hash(), "id": lin})
        if locale is not None:
            conn.execute(text("UPDATE users SET locale = :l WHERE id = :id"), {"l": locale, "id": lin})
        w.insert("login_sessions", user_id=lin, token_hash="a" * 64, created_at=w.at(5), last_seen_at=w.at(5),
                 expires_at=w.at(60 * 24 * 30))
    users = USERS_COLUMNS if locale is None else [*USERS_COLUMNS[:-1], "locale", USERS_COLUMNS[-1]]
    columns = {"users": users, "login_sessions": SESSION_COLUMNS}
    with empty_db.engine.connect() as conn:
        before = snapshot(conn, columns)
    assert len(before["users"]) == 4 and len(before["login_sessions"]) == 1
    return int(lin), columns, before


def test_a_person_s_language_starts_unset_and_keeps_every_person(empty_db: Database) -> None:
    # 0012 adds users.locale (the language a person chose on /account). Nobody has chosen yet:
    # every person comes through as they were, with no preference, and can sign in and work.
    lin, columns, before = _a_person_signed_in_at(empty_db, "0011")

    migrate(empty_db, "0012")
    with empty_db.engine.connect() as conn:
        assert snapshot(conn, columns) == before
        unset = conn.execute(text("SELECT count(*) FROM users WHERE locale IS NULL")).scalar_one()
        assert unset == len(before["users"])

    clock = FakeClock(T0 + dt.timedelta(days=1))
    settings = Settings(database_url=empty_db.url, base_url="http://testserver")
    with TestClient(create_app(settings, db=empty_db, clock=clock)) as client:
        login(client, empty_db, "acme", "cs", user_id=int(lin))
        page = client.get("/", headers={"Accept-Language": "en"})  # no choice: the browser's language
        assert page.status_code == 200, page.text
        assert '<html lang="en">' in page.text and "lin · " in page.text

    # Down again: SQLite must not rebuild users (dropping it would cascade to the sessions).
    migrate(empty_db, "0011", down=True)
    with empty_db.engine.connect() as conn:
        after = snapshot(conn, columns)
    assert after["users"] == before["users"]
    assert after["login_sessions"][:1] == before["login_sessions"]  # and the session of the page view after it


def test_every_person_keeps_the_note_answer_e_mails_on(empty_db: Database) -> None:
    # 0013 adds users.note_answer_emails (turned off on /account). Every person comes through
    # as they were and keeps getting the e-mail they got before: the column is true for all.
    lin, columns, before = _a_person_signed_in_at(empty_db, "0012", locale="zh-CN")

    migrate(empty_db, "0013")
    with empty_db.engine.connect() as conn:
        assert snapshot(conn, columns) == before
        on = conn.execute(text("SELECT note_answer_emails FROM users")).scalars().all()
        assert len(on) == len(before["users"]) and all(value is True or value == 1 for value in on)
        # A person added by plain SQL afterwards (not through the model) gets it on too.
        acme = conn.execute(text("SELECT id FROM workspaces WHERE slug = 'acme'")).scalar_one()
        conn.execute(text("INSERT INTO users (workspace_id, handle, role, active, created_at) "
                          "VALUES (:ws, 'late', 'frontline', :yes, :at)"),
                     {"ws": acme, "yes": True, "at": Writer(conn).at(10)})
        late = conn.execute(text("SELECT note_answer_emails FROM users WHERE handle = 'late'")).scalar_one()
        assert late is True or late == 1
        conn.rollback()

    clock = FakeClock(T0 + dt.timedelta(days=1))
    settings = Settings(database_url=empty_db.url, base_url="http://testserver")
    with TestClient(create_app(settings, db=empty_db, clock=clock)) as client:
        login(client, empty_db, "acme", "cs", user_id=int(lin))
        page = client.get("/account")
        assert page.status_code == 200, page.text
        assert 'name="note_answer_emails" value="on" checked' in page.text and "我的账号" in page.text

    # Down again: SQLite must not rebuild users (dropping it would cascade to the sessions).
    migrate(empty_db, "0012", down=True)
    with empty_db.engine.connect() as conn:
        after = snapshot(conn, columns)
    assert after["users"] == before["users"]
    assert after["login_sessions"][:1] == before["login_sessions"]


def test_attributes_stored_with_escaped_keys_can_be_segmented_after_the_upgrade(empty_db: Database) -> None:
    # Before 0014 JSON was written with "\u" escapes ("\u533a"), and SQLite (< 3.45) matched a JSON path
    # against the raw key: a segment by "区域" found nothing. Data made by the app, its
    # attributes then rewritten the way the old code stored them, migrated from 0013 to head.
    from doorstep.accounts.services import ensure_workspace
    from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv
    from doorstep.surveys.metrics import nps_by

    upgrade(empty_db.engine)
    deliveries = (
        "external_id,customer_id,delivered_at,区域,city\n"
        "A1,c1,2026-02-09T10:00:00+00:00,华东,上海\nA2,c2,2026-02-09T11:00:00+00:00,华南,广州\n"
    )
    answers = (
        "delivery_external_id,score,responded_at,渠道\n"
        "A1,3,2026-02-09T12:00:00+00:00,短信\nA2,10,2026-02-09T12:30:00+00:00,微信\n"
    )
    with empty_db.write() as s:
        ws = ensure_workspace(session=s, slug="acme", name="Acme")
        import_deliveries_csv(session=s, workspace=ws, stream=io.StringIO(deliveries), now=T0)
        import_responses_csv(session=s, workspace=ws, stream=io.StringIO(answers), now=T0)
    with empty_db.engine.begin() as conn:
        for table in ("customers", "deliveries", "responses"):
            for row_id, raw in conn.execute(text(f"SELECT id, attributes FROM {table}")).all():
                value = raw if isinstance(raw, dict) else json.loads(raw)
                conn.execute(text(f"UPDATE {table} SET attributes = :a WHERE id = :id"),
                             {"a": json.dumps(value), "id": row_id})  # ensure_ascii, as before
        escaped = conn.execute(text("SELECT attributes FROM deliveries ORDER BY id")).scalars().first()
        assert "\\u533a" in (escaped if isinstance(escaped, str) else json.dumps(escaped))
    migrate(empty_db, "0013", down=True)
    migrate(empty_db, "head")

    with empty_db.read() as s:
        ws = s.scalars(select(Workspace).where(Workspace.slug == "acme")).one()
        by_region = {g["key"]: g["responses"] for g in nps_by(session=s, workspace=ws, by="区域")["groups"]}
        by_channel = {g["key"]: g["responses"] for g in nps_by(session=s, workspace=ws, by="渠道")["groups"]}
        cities = {g["key"] for g in nps_by(session=s, workspace=ws, by="city")["groups"]}
    assert by_region == {"华东": 1, "华南": 1} and by_channel == {"短信": 1, "微信": 1} and cities == {"上海", "广州"}
