"""Support services: requests open with their promise, conversations keep the clock right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from community.accounts.models import User
from community.errors import InvalidInput, NotAllowed
from community.extensions import db
from community.outbox.models import OutboxMessage
from support.models import MessageKind, Status, SupportMessage, SupportRequest, ThreadId
from support.services import requests, working
from support.services.requests import Draft
from tests.support.conftest import load

MONDAY_NINE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def outbox_to(app, address):  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.to_address == address)
                .order_by(OutboxMessage.id)
            )
        )


def staff(app, record):  # type: ignore[no-untyped-def]
    return db.session.get(User, record.id)


def request_row(number: str) -> SupportRequest:
    return db.session.scalar(select(SupportRequest).where(SupportRequest.number == number))


def test_a_new_request_gets_a_number_a_promise_and_an_acknowledgement(app, desk, open_request):
    """Opening a request stores it, sets both due times and queues the acknowledgement."""
    record = open_request(by=desk.customer, now=MONDAY_NINE)
    request = load(app, record)
    assert record.number == str(100_000 + record.id)
    assert request.status == Status.NEW
    assert request.first_reply_due_at == MONDAY_NINE + timedelta(hours=4)
    assert request.resolution_due_at == MONDAY_NINE + timedelta(hours=24)
    assert request.next_due_at == request.first_reply_due_at
    [ack] = outbox_to(app, desk.customer.email)
    assert f"[#{record.number}]" in ack.subject
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["Reply-To"].startswith("returns@")
    assert "Monday, December 7, 2026" in ack.body_text  # the due time as a real date
    with app.app_context():
        assert (
            db.session.scalar(
                select(ThreadId.request_id).where(ThreadId.message_id == ack.message_id)
            )
            == record.id
        )


def test_business_hours_decide_the_due_time(app, desk, open_request):
    """A department open 9-18 on weekdays promises Friday evening's request for Monday."""
    with app.app_context():
        department = db.session.get(
            SupportRequest.department.property.mapper.class_, desk.returns_id
        )
        department.hours = {str(day): [[540, 1080]] for day in range(5)}
        db.session.commit()
    friday_evening = datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    request = load(app, open_request(now=friday_evening))
    # One hour on Friday, three on Monday from 09:00.
    assert request.first_reply_due_at == datetime(2026, 12, 14, 12, 0, tzinfo=UTC)


def test_bad_input_is_refused_and_nothing_is_written(app, desk, open_request):
    """No subject, a blank body, a bad address or an unknown topic: 422 naming the field."""
    cases = [
        ({"subject": "  \u200b "}, "subject"),
        ({"body": "\x00\n  "}, "body"),
        ({"by": None, "email": "not-an-address"}, "email"),
        ({"topic_id": 987654}, "topic"),
        ({"subject": "x" * 201}, "subject"),
        ({"priority": "whenever"}, "priority"),
    ]
    for overrides, field in cases:
        with pytest.raises(InvalidInput) as refused:
            open_request(**{"by": desk.customer, **overrides})
        assert refused.value.field == field
    with app.app_context():
        assert db.session.scalar(select(db.func.count(SupportRequest.id))) == 0
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_an_agent_reply_is_emailed_in_the_thread_and_starts_the_resolution_clock(
    app, desk, open_request
):
    """The first reply records its time, assigns the agent and answers the customer's mail."""
    record = open_request(by=None, email="mail@sender.test", email_message_id="<q1@sender.test>",
                          channel="email", markdown=False, now=MONDAY_NINE)  # fmt: skip
    with app.app_context():
        request = request_row(record.number)
        working.agent_reply(request, "We are on it.", by=staff(app, desk.agent),
                            now=MONDAY_NINE + timedelta(minutes=30))  # fmt: skip
    request = load(app, record)
    assert request.status == Status.OPEN
    assert request.assignee_id == desk.agent.id
    assert request.first_reply_business_minutes == 30
    assert request.next_due_at == request.resolution_due_at
    reply = outbox_to(app, "mail@sender.test")[-1]
    assert reply.headers["In-Reply-To"] == "<q1@sender.test>"
    assert "We are on it." in reply.body_text


def test_waiting_on_the_customer_stops_the_clock_and_their_answer_restarts_it(
    app, desk, open_request
):
    """The resolution moves by the time the request waited on the customer."""
    record = open_request(by=desk.customer, now=MONDAY_NINE)
    with app.app_context():
        request = request_row(record.number)
        due_before = request.resolution_due_at
        working.agent_reply(request, "Is the box sealed?", by=staff(app, desk.agent),
                            then=Status.WAITING, now=MONDAY_NINE + timedelta(hours=1))  # fmt: skip
        assert request.next_due_at is None
        requests.customer_reply(request, "Yes, sealed.", by=staff(app, desk.customer),
                                now=MONDAY_NINE + timedelta(hours=6))  # fmt: skip
        assert request.status == Status.OPEN
        assert request.resolution_due_at == due_before + timedelta(hours=5)
        assert request.paused_minutes == 300


def test_solving_asks_for_a_rating_and_a_late_message_does_not_reopen(app, desk, open_request):
    """Solved sends "did we solve it?"; within the reopen window the customer reopens it."""
    record = open_request(by=desk.customer)
    with app.app_context():
        request = request_row(record.number)
        working.agent_reply(request, "Fixed.", by=staff(app, desk.agent), then=Status.SOLVED)
        assert request.status == Status.SOLVED and request.next_due_at is None
        now = request.solved_at
        assert requests.may_reopen(request, now + timedelta(days=6))
        assert not requests.may_reopen(request, now + timedelta(days=8))
        requests.customer_reply(request, "It broke again.", by=staff(app, desk.customer))
        assert request.status == Status.OPEN and request.solved_at is None
    subjects = [mail.subject for mail in outbox_to(app, desk.customer.email)]
    assert any("Did we solve it?" in subject for subject in subjects)


def test_internal_notes_are_never_emailed_to_the_customer(app, desk, open_request):
    """A note is stored for staff and queues no email for the requester."""
    record = open_request(by=desk.customer)
    before = len(outbox_to(app, desk.customer.email))
    with app.app_context():
        working.add_note(
            request_row(record.number), "Customer called twice.", by=staff(app, desk.agent)
        )
        kinds = list(
            db.session.scalars(
                select(SupportMessage.kind).where(SupportMessage.request_id == record.id)
            )
        )
    assert kinds == [MessageKind.CUSTOMER, MessageKind.NOTE]
    assert len(outbox_to(app, desk.customer.email)) == before


def test_staff_outside_the_department_are_refused(app, desk, open_request):
    """The billing agent may not answer, note or assign a returns request."""
    record = open_request(by=desk.customer)
    with app.app_context():
        request = request_row(record.number)
        outsider = staff(app, desk.outsider)
        for action in (
            lambda: working.agent_reply(request, "hi", by=outsider),
            lambda: working.add_note(request, "hi", by=outsider),
            lambda: working.claim(request, by=outsider),
            lambda: working.set_status(request, "solved", by=outsider),
        ):
            with pytest.raises(NotAllowed):
                action()
        with pytest.raises(InvalidInput):
            working.assign(request, desk.outsider.id, by=staff(app, desk.lead))


def test_moving_a_request_changes_its_promise_and_drops_an_assignee_from_elsewhere(
    app, desk, open_request
):
    """Moved to billing, the returns-only agent is no longer its assignee."""
    record = open_request(by=desk.customer, now=MONDAY_NINE)
    with app.app_context():
        request = request_row(record.number)
        working.claim(request, by=staff(app, desk.agent))
        working.move(request, desk.billing_id, by=staff(app, desk.lead))
        assert request.department_id == desk.billing_id
        assert request.assignee_id is None


def test_merging_moves_the_conversation_and_closes_the_duplicate(app, desk, open_request):
    """The duplicate's messages join the other request; the duplicate points at it."""
    first = open_request(by=desk.customer, subject="Broken kettle")
    second = open_request(by=desk.customer, subject="Broken kettle (again)")
    other = open_request(by=None, email="else@mail.test")
    with app.app_context():
        lead = staff(app, desk.lead)
        with pytest.raises(InvalidInput):
            working.merge(request_row(second.number), other.number, by=lead)
        with pytest.raises(InvalidInput):
            working.merge(request_row(second.number), second.number, by=lead)
        working.merge(request_row(second.number), first.number, by=lead)
    target, duplicate = load(app, first), load(app, second)
    assert target.message_count == 2
    assert duplicate.status == Status.CLOSED and duplicate.merged_into_id == first.id


def test_a_vip_request_goes_to_their_manager_under_the_tier_promise(app, desk, make_user):
    """A gold client's request is assigned to their account manager, due in 60 minutes, and
    the manager is emailed."""
    from vip.services.assignments import assign_client  # the club's own service

    manager = make_user("morgan@staff.test", roles=["manager"])
    client = make_user("vivian@client.test")
    admin = make_user("root@staff.test", roles=["admin"])
    with app.app_context():
        assign_client(
            db.session.get(User, client.id), tier="gold",
            manager=db.session.get(User, manager.id), backup=None,
            by=db.session.get(User, admin.id),
        )  # fmt: skip
        request = requests.open_request(
            Draft(subject="Stock for Saturday", body="Can you reserve 20 units?",
                  requester=db.session.get(User, client.id), requester_email=client.email,
                  topic_id=desk.return_topic_id),
            now=MONDAY_NINE,
        )  # fmt: skip
        assert request.assignee_id == manager.id
        assert request.vip_tier == "gold"
        assert request.first_reply_due_at == MONDAY_NINE + timedelta(minutes=60)
    [told] = [m for m in outbox_to(app, manager.email) if "wrote to support" in m.subject]
    assert "Your VIP client" in told.body_text
