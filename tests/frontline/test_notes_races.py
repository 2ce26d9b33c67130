"""Requests that arrive at once on one note: the 5-photo limit holds and a double-clicked +1
counts once, on both engines (each request its own client, connection and transaction)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import login
from tests.frontline.helpers import image

from doorstep.accounts import sessions as login_sessions
from doorstep.frontline.models import FrontlineNote, NotePhoto, NoteVote
from doorstep.frontline.photos import MAX_PHOTOS

UPLOADS = 10


def _at_once(clients: list[TestClient], send: Callable[[TestClient], Any]) -> list[Any]:
    """``send`` from every client in its own thread, all released together; what each got back.
    A thread's exception fails the test (it is returned, and no answer is an exception)."""
    start = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def run(i: int) -> None:
        try:
            start.wait()
            answers[i] = send(clients[i])
        except BaseException as exc:  # collected: a thread's failure must fail the test
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a request never came back"
    errors = [a for a in answers if isinstance(a, BaseException)]
    assert errors == []
    return answers


def _client_as(app, person) -> TestClient:  # type: ignore[no-untyped-def]
    # Its own client: each request runs on its own event loop and worker thread, with its
    # own connection and transaction (the app's lifespan ran once, in the `client` fixture).
    other = TestClient(app)
    other.cookies.set(login_sessions.COOKIE, person.secret)
    other.headers["X-CSRF-Token"] = person.csrf
    return other


def test_ten_photos_at_once_keep_five_and_refuse_the_rest(app, client, database, workspace) -> None:
    author = login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Box crushed at the hub"}).json()["id"]
    clients = [_client_as(app, author) for _ in range(UPLOADS)]
    photo = image("JPEG", (16, 12))

    answers = _at_once(clients, lambda c: c.post(f"/api/v1/notes/{note_id}/photos",
                                                  files={"photo": ("p.jpg", photo, "image/jpeg")}))

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * MAX_PHOTOS + [422] * (UPLOADS - MAX_PHOTOS), f"kept {codes.count(201)}: {codes}"
    for refused in (a for a in answers if a.status_code == 422):
        message = refused.json()["error"]["message"]
        assert message == f"field 'photo': a note holds at most {MAX_PHOTOS} photos"
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(NotePhoto).where(NotePhoto.note_id == note_id)) == MAX_PHOTOS
    kept = {a.json()["id"] for a in answers if a.status_code == 201}
    assert {p["id"] for p in client.get(f"/api/v1/notes/{note_id}").json()["photos"]} == kept


def test_a_double_click_and_colleagues_voting_at_once_count_each_person_once(app, client, database,
                                                                            workspace) -> None:
    author = login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Riders wait 20 minutes at the counter"}).json()["id"]
    colleagues = [login(client, database, workspace, "frontline", handle=f"rider-{i}") for i in range(4)]
    # The author clicks +1 six times at once; four colleagues click once each, at the same moment.
    clients = [_client_as(app, author) for _ in range(6)] + [_client_as(app, p) for p in colleagues]

    answers = _at_once(clients, lambda c: c.post(f"/api/v1/notes/{note_id}/votes"))

    assert [a.status_code for a in answers] == [200] * len(clients)
    with database.read() as s:
        assert s.scalar(select(FrontlineNote.votes).where(FrontlineNote.id == note_id)) == 5
        assert s.scalar(select(func.count()).select_from(NoteVote).where(NoteVote.note_id == note_id)) == 5
