"""Taking a +1 back, correcting a note, deleting one: the rules at the service layer."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select
from tests.briefs.seed import NOTE, WEEK, seed
from tests.conftest import make_person, make_workspace
from tests.frontline.helpers import add_journey, image

from doorstep.accounts import audit
from doorstep.accounts.models import AuditEntry
from doorstep.accounts.services import get_workspace
from doorstep.briefs.models import Brief
from doorstep.briefs.periods import period_containing
from doorstep.briefs.render import render_markdown
from doorstep.briefs.services import make_brief
from doorstep.errors import Conflict, Forbidden, InvalidInput, NotFound
from doorstep.frontline import corrections
from doorstep.frontline import services as notes
from doorstep.frontline.models import FrontlineNote, NotePhoto, NoteVote
from doorstep.frontline.photos import attach_photo
from doorstep.timeutil import zone

LATER = dt.timedelta(hours=2)


def _note(database, clock, *, author: int | None, text: str = "Riders wait 20 minutes at the counter",
          slug: str = "default") -> int:
    with database.write() as s:
        ws = get_workspace(session=s, slug=slug)
        return notes.create_note(session=s, workspace=ws, text=text, author_id=author, now=clock()).id


def _count(database, model, **where) -> int:
    with database.read() as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query) or 0


def _votes(database, note_id: int) -> tuple[int, int]:
    """(the count kept on the note, the vote rows): they must always agree."""
    with database.read() as s:
        return (s.get_one(FrontlineNote, note_id).votes,
                s.scalar(select(func.count()).select_from(NoteVote).where(NoteVote.note_id == note_id)) or 0)


def _act(database, fn, **kwargs):  # type: ignore[no-untyped-def]
    with database.write() as s:
        return fn(session=s, workspace=get_workspace(session=s, slug=kwargs.pop("slug", "default")), **kwargs)


# --- taking a +1 back ----------------------------------------------------------------


def test_a_vote_is_taken_back_once_and_again_changes_nothing(database, workspace, clock) -> None:
    author = make_person(database, "default", "frontline", handle="rider-a")
    colleague = make_person(database, "default", "cs", handle="cs-li")
    stranger = make_person(database, "default", "frontline", handle="rider-never-voted")
    note_id = _note(database, clock, author=author)
    for voter, role in ((author, "frontline"), (colleague, "cs")):
        _act(database, notes.vote, note_id=note_id, user_id=voter, role=role)
    assert _votes(database, note_id) == (2, 2)

    assert _act(database, notes.unvote, note_id=note_id, user_id=colleague, role="cs").votes == 1
    assert _act(database, notes.unvote, note_id=note_id, user_id=colleague, role="cs").votes == 1  # again: nothing
    assert _act(database, notes.unvote, note_id=note_id, user_id=stranger, role="frontline").votes == 1
    assert _votes(database, note_id) == (1, 1)
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        assert notes.note_public(session=s, workspace=ws, note_id=note_id, viewer_id=colleague)["voted"] is False
        assert notes.note_public(session=s, workspace=ws, note_id=note_id, viewer_id=author)["voted"] is True
    # Taken back, it can be given again; the author's own goes like anyone's.
    assert _act(database, notes.vote, note_id=note_id, user_id=colleague, role="cs").votes == 2
    assert _act(database, notes.unvote, note_id=note_id, user_id=author, role="frontline").votes == 1
    assert _votes(database, note_id) == (1, 1)


def test_who_may_not_take_a_vote_back(database, workspace, clock) -> None:
    boss = make_person(database, "default", "exec", handle="ceo")
    rider = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=rider)
    _act(database, notes.vote, note_id=note_id, user_id=rider, role="frontline")
    with pytest.raises(Forbidden, match="exec"):
        _act(database, notes.unvote, note_id=note_id, user_id=boss, role="exec")
    with pytest.raises(Forbidden, match="API key is not a person"):
        _act(database, notes.unvote, note_id=note_id, user_id=None, role="admin")
    make_workspace(database, "other", timezone="UTC")
    outsider = make_person(database, "other", "admin", handle="admin-other")
    with pytest.raises(NotFound):
        _act(database, notes.unvote, slug="other", note_id=note_id, user_id=outsider, role="admin")
    assert _votes(database, note_id) == (1, 1)


# --- correcting a note ---------------------------------------------------------------


def test_the_author_corrects_a_new_note_and_it_is_analysed_again(database, workspace, clock) -> None:
    add_journey(database, "default")
    rider = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=rider, text="汤洒了")
    with database.read() as s:
        filed = s.get_one(FrontlineNote, note_id)
        assert (filed.language, filed.edited_at) == ("zh", None)

    clock.advance(hours=2)
    edited = _act(database, corrections.edit_note, note_id=note_id, user_id=rider, role="frontline",
                  text="  The food arrived cold and late  ", stage_key="delivered", now=clock())
    assert (edited.text, edited.language, edited.edited_at) == ("The food arrived cold and late", "en", clock())
    assert {"temperature", "timeliness"} <= set(edited.themes)
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        shown = notes.note_public(session=s, workspace=ws, note_id=note_id, viewer_id=rider)
    assert (shown["stage"], shown["edited_at"], shown["status"]) == ("delivered", clock(), "new")

    # Omitted stage: it stays. The same words again: nothing changes, edited_at stays.
    first_edit = clock()
    clock.advance(hours=2)
    same = _act(database, corrections.edit_note, note_id=note_id, user_id=rider, role="frontline",
                text="The food arrived cold and late", now=clock())
    assert (same.edited_at, same.stage_id is not None) == (first_edit, True)
    # "Not sure": the stage the words point to, as when a note is filed.
    unsure = _act(database, corrections.edit_note, note_id=note_id, user_id=rider, role="frontline",
                  text="Box crushed at the hub, the soup spilled", stage_key=None, now=clock())
    assert unsure.edited_at == clock() and "spillage" in unsure.themes


@pytest.mark.parametrize(("text", "stage", "field"), [
    ("", None, "text"), (" \u200d ", None, "text"), ("x" * (notes.MAX_TEXT + 1), None, "text"),
    ("fine words", "nowhere", "stage"),
])
def test_a_correction_is_checked_like_a_new_note(database, workspace, clock, text, stage, field) -> None:
    rider = make_person(database, "default", "frontline", handle="rider-a")
    note_id = _note(database, clock, author=rider, text="Gate 3 is locked")
    with pytest.raises(InvalidInput) as refused:
        _act(database, corrections.edit_note, note_id=note_id, user_id=rider, role="frontline", text=text,
             stage_key=stage)
    assert refused.value.problem.field == field
    with database.read() as s:
        kept = s.get_one(FrontlineNote, note_id)
        assert (kept.text, kept.edited_at) == ("Gate 3 is locked", None)


def test_only_the_author_corrects_and_only_while_new(database, workspace, clock) -> None:
    rider = make_person(database, "default", "frontline", handle="rider-a")
    others = {role: make_person(database, "default", role, handle=f"{role}-x")
              for role in ("frontline", "cs", "admin", "exec")}
    note_id = _note(database, clock, author=rider)
    for role, uid in others.items():
        with pytest.raises(Forbidden):
            _act(database, corrections.edit_note, note_id=note_id, user_id=uid, role=role, text="mine now")
    with pytest.raises(Forbidden):  # an API key is no one's author
        _act(database, corrections.edit_note, note_id=note_id, user_id=None, role="admin", text="mine now")
    make_workspace(database, "other", timezone="UTC")
    outsider = make_person(database, "other", "frontline", handle="rider-a")
    with pytest.raises(NotFound):
        _act(database, corrections.edit_note, slug="other", note_id=note_id, user_id=outsider, role="frontline",
             text="mine now")

    _act(database, notes.change_status, note_id=note_id, status="heard", reply=None, role="cs",
         by_user_id=others["cs"])
    with pytest.raises(Conflict, match="heard"):
        _act(database, corrections.edit_note, note_id=note_id, user_id=rider, role="frontline", text="too late")
    with database.read() as s:
        kept = s.get_one(FrontlineNote, note_id)
        assert (kept.text, kept.edited_at) == ("Riders wait 20 minutes at the counter", None)


# --- deleting a note -----------------------------------------------------------------


def _with_photo_and_votes(database, clock, note_id: int, voters: list[int]) -> None:
    with database.write() as s:
        note = s.get_one(FrontlineNote, note_id)
        attach_photo(session=s, note=note, stream=io.BytesIO(image()), now=clock())
    for voter in voters:
        _act(database, notes.vote, note_id=note_id, user_id=voter, role="frontline")


def _deleted_entries(database) -> list[AuditEntry]:
    with database.read() as s:
        found = audit.entries(s, workspace_id=get_workspace(session=s, slug="default").id, action="deleted")
        s.expunge_all()
        return found


def test_the_author_deletes_a_new_note_with_its_photos_and_votes(database, workspace, clock) -> None:
    rider = make_person(database, "default", "frontline", handle="rider-a")
    colleague = make_person(database, "default", "frontline", handle="rider-b")
    kept_id = _note(database, clock, author=colleague, text="Lift 2 is out of order")
    note_id = _note(database, clock, author=rider, text="Customer's phone 138-0000-0000 at the gate")
    _with_photo_and_votes(database, clock, note_id, [rider, colleague])
    _with_photo_and_votes(database, clock, kept_id, [rider])

    removal = _act(database, corrections.delete_note, note_id=note_id, user_id=rider, role="frontline",
                   actor_kind="user", actor="rider-a", client="10.0.0.7", now=clock())
    assert (removal.by, removal.photos, removal.votes) == ("author", 1, 2)
    assert _count(database, FrontlineNote, id=note_id) == 0
    assert (_count(database, NotePhoto, note_id=note_id), _count(database, NoteVote, note_id=note_id)) == (0, 0)
    assert (_count(database, NotePhoto), _count(database, NoteVote)) == (1, 1)  # the other note's stay
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        assert [n["id"] for n in notes.list_notes(session=s, workspace=ws).notes] == [kept_id]
        briefed = notes.notes_for_brief(session=s, workspace=ws, since=clock() - LATER, until=clock() + LATER)
        assert [n["id"] for n in briefed] == [kept_id]
        with pytest.raises(NotFound):
            notes.get_note(session=s, workspace=ws, note_id=note_id)

    [entry] = _deleted_entries(database)
    assert (entry.actor_kind, entry.actor, entry.target, entry.client, entry.at) == (
        "user", "rider-a", f"frontline_note:{note_id}", "10.0.0.7", clock())
    assert entry.details == {"as": "author", "status": "new", "photos": 1, "votes": 2, "briefs_scrubbed": 0}
    assert "138-0000-0000" not in str(entry.details) and "phone" not in str(entry.details)


def test_who_may_delete_which_note(database, workspace, clock) -> None:
    rider = make_person(database, "default", "frontline", handle="rider-a")
    people = {role: make_person(database, "default", role, handle=f"{role}-x")
              for role in ("frontline", "cs", "exec", "admin")}
    note_id = _note(database, clock, author=rider)

    def delete(user_id: int | None, role: str) -> corrections.Removal:
        return _act(database, corrections.delete_note, note_id=note_id, user_id=user_id, role=role,
                    actor_kind="user" if user_id else "key", actor=role)

    for role in ("frontline", "cs", "exec"):  # a colleague, CS, an exec: not theirs to delete
        with pytest.raises(Forbidden):
            delete(people[role], role)
    with pytest.raises(Forbidden):  # a CS key is no one's author
        delete(None, "cs")
    make_workspace(database, "other", timezone="UTC")
    outsider = make_person(database, "other", "admin", handle="admin-x")
    with pytest.raises(NotFound):
        _act(database, corrections.delete_note, slug="other", note_id=note_id, user_id=outsider, role="admin",
             actor_kind="user", actor="admin-x")
    _act(database, notes.change_status, note_id=note_id, status="acting", reply="on it", role="cs",
         by_user_id=people["cs"])
    with pytest.raises(Conflict, match="an admin can"):  # the author, too late
        delete(rider, "frontline")
    assert _count(database, FrontlineNote) == 1 and _deleted_entries(database) == []  # refused: nothing recorded

    assert delete(people["admin"], "admin").by == "admin"  # moderation: any note, any status
    [entry] = _deleted_entries(database)
    assert (entry.actor, entry.details["as"], entry.details["status"]) == ("admin", "admin", "acting")
    # An admin's API key may moderate too.
    other_id = _note(database, clock, author=rider)
    _act(database, notes.change_status, note_id=other_id, status="done", reply=None, role="cs",
         by_user_id=people["cs"])
    _act(database, corrections.delete_note, note_id=other_id, user_id=None, role="admin", actor_kind="key",
         actor="api:default")
    assert _count(database, FrontlineNote) == 0


def test_a_deleted_note_leaves_the_published_briefs(database, clock) -> None:
    make_workspace(database, "brief", timezone="UTC")
    seed(database, "brief", clock())
    admin = make_person(database, "brief", "admin", handle="boss")
    with database.write() as s:
        ws = get_workspace(session=s, slug="brief")
        week = period_containing("week", WEEK.date(), zone("UTC"))
        brief, _ = make_brief(session=s, workspace=ws, period=week, now=clock(), base_url="http://testserver")
        brief_id = brief.id
        note_id = s.scalar(select(FrontlineNote.id).where(FrontlineNote.workspace_id == ws.id,
                                                          FrontlineNote.text == NOTE))
    with database.read() as s:
        before = s.get_one(Brief, brief_id)
        assert NOTE in str(before.content) and "Riders in the east are too few" in before.html  # quoted by value

    removal = _act(database, corrections.delete_note, slug="brief", note_id=note_id, user_id=admin, role="admin",
                   actor_kind="user", actor="boss")
    assert removal.briefs_scrubbed == 1
    with database.read() as s:
        after = s.get_one(Brief, brief_id)
        assert "Riders in the east are too few" not in str(after.content) + after.html
        notes_shown = [n for g in after.content["groups"] for n in g["notes"]]
        assert notes_shown and all(n["text"] == "[erased]" for n in notes_shown if n["id"] == note_id)
        assert "“[erased]”" in after.html
        assert "Riders in the east" not in render_markdown(after.content, base_url="http://testserver")
