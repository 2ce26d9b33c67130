"""Schemathesis against /openapi.json: every operation, with a valid admin key, on both engines.

The document is the live app's, so a route is fuzzed the day it is added. Each
operation gets a fresh database seeded through the API (deliveries, answers, a case,
an open link, a webhook subscription, a dead job, a frontline note with a photo), and
its path parameters are drawn half the time from those real ids, so the fuzzer gets
past the 404s into the code that reads and writes. Generation is positive and negative (schemathesis' default).

Checks: no 5xx, every status code declared, the declared content type, and the body
valid against the declared schema. The suite runs DOORSTEP_FUZZ_EXAMPLES (default 25)
examples per operation, derandomised so a run is repeatable; setting the variable
also makes the run random (`DOORSTEP_FUZZ_EXAMPLES=1000 make fuzz`). With `-s`, each
operation prints the status codes it got.

Nothing leaves the machine: a subscription the fuzzer creates may name any URL, but
only the jobs worker calls out, and this app runs without one.

Not with pytest-subtests style `schemathesis.pytest.from_fixture`: on pytest 9.2 it
fails (it sets the node's private `_nodeid`); the schema is loaded at import and each
call is sent to the test's own app instead.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.cases.helpers import answer
from tests.conftest import WorkspaceHandle

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.jobs.models import Job
from doorstep.jobs.services import enqueue

EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "25"))
RANDOM = "DOORSTEP_FUZZ_EXAMPLES" in os.environ
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class World:
    """What the seed created: real values for every kind of path parameter."""

    key: str
    ids: dict[str, list[Any]]


def _seed(client, workspace: WorkspaceHandle, database, clock) -> World:  # type: ignore[no-untyped-def]
    cases = [
        answer(client, workspace, clock, "F-1", 2, comment="late and rude, box crushed", attributes={"team": "north"}),
        answer(client, workspace, clock, "F-2", 9, comment="快递员很好，准时", attributes={"team": "south"}),
        answer(client, workspace, clock, "F-3", 7, attributes={"team": "north"}),
    ]
    # Delivered but not answered: its invitation is open, so the invitation routes answer 200.
    posted = client.post("/api/v1/deliveries", headers=workspace.headers, json={
        "external_id": "F-4", "customer_id": "c-F-4", "delivered_at": clock.now.isoformat(),
    })
    assert posted.status_code == 200, posted.text
    link = client.post("/api/v1/links", headers=workspace.headers, json={"label": "receipts"})
    assert link.status_code == 201, link.text
    sub = client.post("/api/v1/webhooks/subscriptions", headers=workspace.headers, json={
        "url": "https://example.test/hooks/doorstep", "events": ["case.opened"], "secret": "s3cret-value",
    })
    assert sub.status_code == 201, sub.text
    with database.write() as s:
        job_id, _ = enqueue(s, kind="webhook.deliver", payload={"k": "v"}, run_at=clock.now, workspace_id=workspace.id)
        job = s.get_one(Job, job_id)
        job.status, job.attempts, job.finished_at, job.last_error = "dead", job.max_attempts, clock.now, "HTTP 500"
    assert any(cases), "the detractor's answer opened no case"
    note = client.post("/api/v1/notes", headers=workspace.headers, json={"text": "Riders wait at the counter"})
    assert note.status_code == 201, note.text
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8"
                        "cfc0000003010100c9fe92ef0000000049454e44ae426082")
    photo = client.post(f"/api/v1/notes/{note.json()['id']}/photos", headers=workspace.headers,
                        files={"photo": ("p.png", png, "image/png")})
    assert photo.status_code == 201, photo.text
    return World(key=workspace.key, ids={
        "case_id": [c for c in cases if c is not None],
        "external_id": ["F-1", "F-2", "F-3", "F-4"],
        "customer": ["c-F-1", "c-F-2", "c-F-4"],  # /customers/{external_id}/…
        "link_id": [link.json()["id"]],
        "subscription_id": [sub.json()["id"]],
        "job_id": [job_id],
        "note_id": [note.json()["id"]],
        "photo_id": [photo.json()["id"]],
    })


def _schema() -> schemathesis.BaseSchema:
    # The document the app serves at /openapi.json (no database needed to build it).
    app = create_app(Settings(database_url="sqlite://", base_url="http://testserver"), db=Database("sqlite://"))
    return schemathesis.openapi.from_dict(app.openapi())


schema = _schema()
WORLD: dict[str, list[Any]] = {}  # the running test's real ids, read while path parameters are drawn
STATUSES: Counter[int] = Counter()


@schema.hook
def flatmap_path_parameters(context, path_parameters):  # type: ignore[no-untyped-def]
    """Half the time a real object, so the route gets past its lookup."""
    if not path_parameters:
        return st.just(path_parameters)
    on_customer = context.operation is not None and "/customers/" in context.operation.path
    choices = []
    for name in path_parameters:
        real = WORLD.get("customer" if on_customer and name == "external_id" else name)
        if real:
            choices.append(st.sampled_from(real).map(lambda value, name=name: {name: value}))
    if not choices:
        return st.just(path_parameters)
    return st.one_of(st.just({}), *choices).map(lambda real: {**path_parameters, **real})


@pytest.fixture
def world(request, client, workspace, database, clock) -> Iterator[World]:  # type: ignore[no-untyped-def]
    seeded = _seed(client, workspace, database, clock)
    WORLD.clear()
    WORLD.update(seeded.ids)
    STATUSES.clear()
    yield seeded
    print(f"\n{request.node.name}: " + ", ".join(f"{code}×{n}" for code, n in sorted(STATUSES.items())))
    WORLD.clear()
    shutdown_lifespans()  # schemathesis keeps an app it started running for the whole process otherwise


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case, world, app) -> None:  # type: ignore[no-untyped-def]
    response = case.call_and_validate(app=app, headers={"Authorization": f"Bearer {world.key}"}, checks=CHECKS)
    STATUSES[response.status_code] += 1
