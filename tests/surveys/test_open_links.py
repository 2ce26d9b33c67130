"""Open links as a service: one answer per device per delivery, enforced by the database."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from conftest import make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.cases.models import Case
from doorstep.deliveries.services import add_stage
from doorstep.errors import Gone, InvalidInput, NotFound
from doorstep.surveys.models import Invitation, Response
from doorstep.surveys.open_links import (
    answer,
    create_link,
    current_invitation,
    get_link,
    list_links,
    new_device_id,
    open_link,
    revoke_link,
)

PHONE_A = "phone-a-0123456789abcdef"
PHONE_B = "phone-b-0123456789abcdef"


def deliver(client, workspace, clock, external_id: str, *, delivered: bool = True) -> dict:
    body: dict[str, object] = {"external_id": external_id, "customer_id": f"c-{external_id}"}
    if delivered:
        body["delivered_at"] = (clock.now - dt.timedelta(minutes=15)).isoformat()
    posted = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert posted.status_code == 200, posted.text
    return posted.json()


def new_link(database, clock, *, slug: str = "default", label: str = "receipts", delivery: str | None = None):
    with database.write() as session:
        ws = get_workspace(session=session, slug=slug)
        return create_link(session=session, workspace=ws, label=label, delivery_external_id=delivery, now=clock())


def submit(database, clock, token: str, ref: str | None, device: str, score: int, **kwargs):
    with database.write() as session:
        return answer(session=session, token=token, delivery_ref=ref, device_id=device, score=score,
                      comment=kwargs.get("comment"), stage=kwargs.get("stage"), now=clock())


def responses(database) -> list[Response]:
    with database.read() as session:
        rows = list(session.scalars(select(Response).order_by(Response.id)))
        session.expunge_all()
        return rows


def test_one_answer_per_device_per_delivery(client, workspace, database, clock) -> None:
    deliver(client, workspace, clock, "F-1")
    deliver(client, workspace, clock, "F-2")
    link = new_link(database, clock)

    view, created = submit(database, clock, link.token, "F-1", PHONE_A, 9, comment="快，热乎")
    assert created and (view.reference, view.answered_score, view.answered_comment) == ("F-1", 9, "快，热乎")

    again, created = submit(database, clock, link.token, "F-1", PHONE_A, 2, comment="changed my mind")
    assert not created
    assert (again.answered_score, again.answered_comment) == (9, "快，热乎")  # the first answer is kept and shown

    assert submit(database, clock, link.token, "F-2", PHONE_A, 7)[1]  # same phone, another delivery
    assert submit(database, clock, link.token, "F-1", PHONE_B, 4)[1]  # another phone, same delivery

    rows = responses(database)
    assert [(r.score, r.kind, r.invitation_id) for r in rows] == [(9, "nps", None), (7, "nps", None), (4, "nps", None)]
    assert rows[0].attributes == {"source": "open_link", "link": "receipts"}
    assert rows[0].source_key == f"open:{link.id}:{rows[0].delivery_id}:{PHONE_A}"
    assert rows[0].language == "zh"
    with database.read() as session:
        ws = get_workspace(session=session, slug="default")
        assert get_link(session=session, workspace=ws, link_id=link.id).responses == 3
        # With the device and a delivery, the page knows this phone already answered.
        seen = open_link(session=session, token=link.token, reference="F-1", device_id=PHONE_A)
        assert seen.answered_score == 9
        fresh = open_link(session=session, token=link.token, reference="F-1", device_id=new_device_id())
        assert fresh.answered_score is None


def test_concurrent_double_submits_from_one_device_store_one_answer(client, workspace, database, clock) -> None:
    deliver(client, workspace, clock, "F-1")
    link = new_link(database, clock)
    barrier = threading.Barrier(6)
    outcomes: list[tuple[str, int | None, bool]] = []
    errors: list[BaseException] = []

    def tap(device: str, score: int) -> None:
        try:
            barrier.wait()
            view, created = submit(database, clock, link.token, "F-1", device, score)
            outcomes.append((device, view.answered_score, created))
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    # Four impatient taps on one phone, and one tap each on two other phones.
    jobs = [(PHONE_A, s) for s in (1, 2, 3, 4)] + [(PHONE_B, 8), ("phone-c-0123456789abcdef", 10)]
    threads = [threading.Thread(target=tap, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    phone_a = [(score, created) for device, score, created in outcomes if device == PHONE_A]
    assert sum(created for _, created in phone_a) == 1
    kept = next(score for score, created in phone_a if created)
    assert all(score == kept for score, _ in phone_a)  # every tap is shown the answer that was kept
    assert sum(created for device, _, created in outcomes if device != PHONE_A) == 2
    assert sorted(r.score for r in responses(database)) == sorted([kept, 8, 10])


def test_a_revoked_link_is_gone_and_keeps_its_answers(client, workspace, database, clock) -> None:
    deliver(client, workspace, clock, "F-1")
    link = new_link(database, clock)
    submit(database, clock, link.token, "F-1", PHONE_A, 9)
    revoked_at = clock()
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        info = revoke_link(session=session, workspace=ws, link_id=link.id, now=revoked_at)
    assert (info.active, info.revoked_at, info.responses) == (False, revoked_at, 1)
    clock.advance(hours=1)
    with database.write() as session:  # revoking again keeps the first time
        ws = get_workspace(session=session, slug="default")
        assert revoke_link(session=session, workspace=ws, link_id=link.id, now=clock()).revoked_at == revoked_at

    with pytest.raises(Gone):
        submit(database, clock, link.token, "F-1", PHONE_B, 3)
    with pytest.raises(Gone), database.read() as session:
        open_link(session=session, token=link.token)
    assert len(responses(database)) == 1


@pytest.mark.parametrize("token", ["x" * 32, "short", "has spaces in it, 1234567890", "é" * 20])
def test_an_unknown_token_is_not_found(database, workspace, clock, token: str) -> None:
    with pytest.raises(NotFound), database.read() as session:
        open_link(session=session, token=token)
    with pytest.raises(NotFound):
        submit(database, clock, token, "F-1", PHONE_A, 9)


def test_the_delivery_reference_is_checked_with_a_clear_message(client, workspace, database, clock) -> None:
    deliver(client, workspace, clock, "AB-1234")
    other = make_workspace(database, "other")
    deliver(client, other, clock, "ZZ-1")
    link = new_link(database, clock)

    with pytest.raises(InvalidInput) as unknown:
        submit(database, clock, link.token, "AB-9999", PHONE_A, 9)
    assert unknown.value.http_status == 422
    assert unknown.value.problem.field == "reference"
    assert "AB-9999" in str(unknown.value) and "receipt" in str(unknown.value)
    for missing in (None, "", "   "):
        with pytest.raises(InvalidInput) as empty:
            submit(database, clock, link.token, missing, PHONE_A, 9)
        assert empty.value.problem.field == "reference"
    with pytest.raises(InvalidInput) as foreign:  # another workspace's delivery does not exist here
        submit(database, clock, link.token, "ZZ-1", PHONE_A, 9)
    assert foreign.value.problem.field == "reference"
    assert responses(database) == []

    view, created = submit(database, clock, link.token, "  ab-1234 ", PHONE_A, 9)  # typed on a phone
    assert created and view.reference == "AB-1234"


def test_bad_score_stage_and_device_are_refused(client, workspace, database, clock) -> None:
    with database.write() as session:
        add_stage(session=session, workspace=get_workspace(session=session, slug="default"), key="picked_up")
    deliver(client, workspace, clock, "F-1")
    link = new_link(database, clock)
    for kwargs, field in (({"score": 11}, "score"), ({"stage": "teleported"}, "stage"),
                          ({"device": "x"}, "device")):
        args = {"score": 5, "device": PHONE_A} | kwargs
        with pytest.raises(InvalidInput) as exc:
            submit(database, clock, link.token, "F-1", args["device"], args["score"], stage=kwargs.get("stage"))
        assert exc.value.problem.field == field
    view, _ = submit(database, clock, link.token, "F-1", PHONE_A, 5, stage="picked_up")
    assert [key for key, _, _ in view.stages] == ["picked_up"]
    assert responses(database)[0].stage_id is not None


def test_a_link_fixed_to_a_go_live_answers_for_it_even_before_delivery(client, workspace, database, clock) -> None:
    deliver(client, workspace, clock, "GOLIVE-7", delivered=False)  # the meeting is the hand-over
    deliver(client, workspace, clock, "F-1")
    link = new_link(database, clock, label="go-live ACME", delivery="GOLIVE-7")
    assert link.delivery_external_id == "GOLIVE-7"
    with database.read() as session:
        page = open_link(session=session, token=link.token)
    assert (page.fixed_reference, page.reference) == ("GOLIVE-7", "GOLIVE-7")

    view, created = submit(database, clock, link.token, None, PHONE_A, 10)
    assert created and view.reference == "GOLIVE-7"
    view, created = submit(database, clock, link.token, "F-1", PHONE_B, 8)  # a fixed link ignores a reference
    assert created and view.reference == "GOLIVE-7"
    assert not submit(database, clock, link.token, "F-1", PHONE_A, 1)[1]
    rows = responses(database)
    assert len({r.delivery_id for r in rows}) == 1 and len(rows) == 2
    assert rows[0].attributes["link"] == "go-live ACME"


def test_a_detractor_opens_a_case_and_the_invitation_is_closed(client, workspace, database, clock) -> None:
    posted = deliver(client, workspace, clock, "F-1")
    [invitation] = posted["invitations"]
    link = new_link(database, clock)

    _, created = submit(database, clock, link.token, "F-1", PHONE_A, 2, comment="The soup was cold and spilled")
    assert created
    with database.read() as session:
        [case] = session.scalars(select(Case)).all()
        response = session.scalar(select(Response))
        assert case.response_id == response.id and case.status == "open"
        assert response.sentiment_label == "negative"  # analysed before the case was opened
        status = session.scalar(select(Invitation.status).where(Invitation.token == invitation["token"]))
    assert status == "responded"  # the customer is not asked again by e-mail

    submit(database, clock, link.token, "F-1", PHONE_B, 9)  # a promoter opens nothing
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_managing_links_inside_one_workspace(client, workspace, database, clock) -> None:
    deliver(client, workspace, clock, "F-1")
    other = make_workspace(database, "other")
    mine = new_link(database, clock, label="  receipts north  ")
    theirs = new_link(database, clock, slug="other", label="theirs")
    assert mine.label == "receipts north" and len(mine.token) >= 32 and mine.token != theirs.token

    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        assert [info.id for info in list_links(session=session, workspace=ws)] == [mine.id]
        with pytest.raises(NotFound):
            get_link(session=session, workspace=ws, link_id=theirs.id)
        with pytest.raises(NotFound):
            revoke_link(session=session, workspace=ws, link_id=theirs.id, now=clock())
        for label in ("", "   ", "x" * 201):
            with pytest.raises(InvalidInput) as bad:
                create_link(session=session, workspace=ws, label=label, now=clock())
            assert bad.value.problem.field == "label"
        with pytest.raises(InvalidInput) as unknown:
            create_link(session=session, workspace=ws, label="meeting", delivery_external_id="NOPE", now=clock())
        assert unknown.value.problem.field == "delivery_external_id"
    assert other.slug == "other"


def test_the_current_invitation_of_a_delivery(client, workspace, database, clock) -> None:
    posted = deliver(client, workspace, clock, "F-1")
    deliver(client, workspace, clock, "F-2", delivered=False)
    with database.read() as session:
        ws = get_workspace(session=session, slug="default")
        info = current_invitation(session=session, workspace=ws, external_id="F-1", now=clock())
        assert info.token == posted["invitations"][0]["token"]
        assert info.url("http://testserver") == posted["invitations"][0]["url"]
        assert info.status in ("pending", "sent")
        later = current_invitation(session=session, workspace=ws, external_id="F-1", now=info.expires_at)
        assert later.status == "expired"
        with pytest.raises(NotFound, match="no survey invitation"):
            current_invitation(session=session, workspace=ws, external_id="F-2", now=clock())
        with pytest.raises(NotFound):
            current_invitation(session=session, workspace=ws, external_id="F-404", now=clock())
