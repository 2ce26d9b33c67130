"""Requests that arrive at once on one note: the 5-photo limit holds, a double-clicked +1
counts once, a double-clicked take-back uncounts once (never below zero, never drifting from
the vote rows), and a deletion amid votes leaves no error; on both engines (each request its
own client, connection and transaction)."""

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


def _tally(database, note_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(the count kept on the note, its vote rows)."""
    with database.read() as s:
        return (s.scalar(select(FrontlineNote.votes).where(FrontlineNote.id == note_id)),
                s.scalar(select(func.count()).select_from(NoteVote).where(NoteVote.note_id == note_id)))


def test_taking_votes_back_at_once_never_drifts_or_goes_below_zero(app, client, database, workspace) -> None:
    author = login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Riders wait 20 minutes at the counter"}).json()["id"]
    colleagues = [login(client, database, workspace, "frontline", handle=f"rider-{i}") for i in range(4)]
    for person in (author, *colleagues):
        assert _client_as(app, person).post(f"/api/v1/notes/{note_id}/votes").json()["votes"] >= 1
    assert _tally(database, note_id) == (5, 5)

    # The author takes theirs back with six clicks at once; the four colleagues once each, at the same moment.
    clients = [_client_as(app, author) for _ in range(6)] + [_client_as(app, p) for p in colleagues]
    answers = _at_once(clients, lambda c: c.delete(f"/api/v1/notes/{note_id}/votes"))
    assert [a.status_code for a in answers] == [200] * len(clients)
    assert all(a.json()["votes"] >= 0 for a in answers)
    assert _tally(database, note_id) == (0, 0)

    # Everyone clicks +1 and takes it back, twice each, all at once: whatever is left, the
    # count kept on the note is the number of votes there are.
    people = [author, *colleagues]
    mixed = [_client_as(app, p) for p in people for _ in range(4)]
    answers = _at_once(mixed, lambda c: (c.post if mixed.index(c) % 2 == 0 else c.delete)(
        f"/api/v1/notes/{note_id}/votes"))
    assert [a.status_code for a in answers] == [200] * len(mixed)
    kept, rows = _tally(database, note_id)
    assert kept == rows and 0 <= rows <= len(people)


def test_a_note_deleted_while_people_vote_answers_cleanly(app, client, database, workspace) -> None:
    login(client, database, workspace, "frontline", handle="rider-a")
    note_id = client.post("/api/v1/notes", json={"text": "Customer's phone number posted here"}).json()["id"]
    colleagues = [login(client, database, workspace, "frontline", handle=f"rider-{i}") for i in range(12)]
    for person in colleagues[:3]:
        _client_as(app, person).post(f"/api/v1/notes/{note_id}/votes")
    admin = login(client, database, workspace, "admin", handle="boss")
    clients = [_client_as(app, admin)] + [_client_as(app, p) for p in colleagues]

    def act(c: TestClient) -> Any:
        i = clients.index(c)
        if i == 0:
            return c.delete(f"/api/v1/notes/{note_id}")
        return (c.delete if i <= 3 else c.post)(f"/api/v1/notes/{note_id}/votes")

    answers = _at_once(clients, act)
    assert answers[0].status_code == 204
    assert {a.status_code for a in answers[1:]} <= {200, 404}, [a.status_code for a in answers]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(FrontlineNote).where(FrontlineNote.id == note_id)) == 0
        assert s.scalar(select(func.count()).select_from(NoteVote).where(NoteVote.note_id == note_id)) == 0
