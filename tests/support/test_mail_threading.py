"""Mail in: replies find their request only from its requester, robots are never answered,
bounces are recorded, and each Message-ID is stored once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from support.mail.inbound import Outcome
from support.models import Status, SupportRequest
from support.services import working
from tests.support.mail_helpers import (
    CASEY,
    all_outbox,
    compose,
    eml,
    inbound_rows,
    messages_of,
    outbox_to,
    receive,
    request_rows,
)


@pytest.fixture
def by_mail(app, desk):  # type: ignore[no-untyped-def]
    """Casey's request, opened by mail: (its number, our acknowledgement's Message-ID)."""
    received = receive(app, eml("plain.eml"))
    [ack] = outbox_to(app, CASEY)
    return received.number, ack.message_id


def staff_does(app, desk, number, action, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run a working-service action on the request as the returns agent."""
    with app.app_context():
        request = db.session.query(SupportRequest).filter_by(number=number).one()
        agent = db.session.get(User, desk.agent.id)
        return action(request, *args, by=agent, **kwargs)


def test_a_reply_to_our_acknowledgement_joins_its_request_trimmed(app, by_mail):
    """In-Reply-To finds the request; history and signature are trimmed, the whole kept."""
    number, ack_id = by_mail
    received = receive(app, eml("reply_quoted.eml", number=number, in_reply_to=ack_id))
    assert (received.outcome, received.number) == (Outcome.REPLY, number)
    [request] = request_rows(app)
    assert request.message_count == 2
    reply = messages_of(app, request.id)[-1]
    assert reply.body_text == "Here is the photo you asked for."
    assert "Please send a photo." in reply.original_text
    assert reply.channel == "email"
    assert [row.outcome for row in inbound_rows(app)] == ["request", "reply"]
    assert inbound_rows(app)[1].request_id == request.id
    assert len(outbox_to(app, CASEY)) == 1  # a reply is not acknowledged again


def test_a_reply_to_an_agents_answer_joins_by_references(app, desk, by_mail):
    """References alone (no In-Reply-To) lead to the request of the answer it quotes."""
    number, _ack = by_mail
    staff_does(app, desk, number, working.agent_reply, "Please send a photo.")
    answer = outbox_to(app, CASEY)[-1]
    raw = compose(
        subject="Re: a subject the customer rewrote",
        message_id="<by-references@customer.test>",
        headers={"References": f"<unrelated@elsewhere.test> {answer.message_id}"},
        body="Photo attached next time.",
    )
    assert receive(app, raw).outcome == Outcome.REPLY
    assert request_rows(app)[0].status == Status.OPEN


def test_a_reply_with_only_the_tag_in_its_subject_joins(app, by_mail):
    """A mail program that drops headers still threads by the [#number] in the subject."""
    number, _ack = by_mail
    raw = compose(sender=CASEY.upper(), subject=f"Re: [#{number}] kettle", message_id="<t@c.test>")
    received = receive(app, raw)
    assert (received.outcome, received.number) == (Outcome.REPLY, number)


def test_a_reply_from_another_address_opens_its_own_request(app, by_mail):
    """Someone else answering our mail never joins Casey's conversation."""
    number, ack_id = by_mail
    raw = compose(
        sender="Colleague <colleague@customer.test>",
        subject=f"Re: [#{number}] We received your request",
        message_id="<colleague-1@customer.test>",
        headers={"In-Reply-To": ack_id},
        body="I work with Casey; any news?",
    )
    received = receive(app, raw)
    assert received.outcome == Outcome.REQUEST and received.number != number
    original, new = request_rows(app)
    assert original.message_count == 1
    assert new.requester_email == "colleague@customer.test"
    assert new.context == {"related_request": number}
    assert f"[#{number}]" not in new.subject


def test_a_spoofed_sender_learns_nothing(app, desk, by_mail):
    """A forged From cannot be checked, but everything we send goes to the requester only."""
    number, ack_id = by_mail
    forged = compose(
        sender=f"Casey Customer <{CASEY}>",
        subject=f"Re: [#{number}]",
        message_id="<forged-1@attacker.test>",
        headers={"In-Reply-To": ack_id, "Reply-To": "thief@attacker.test"},
        body="Please send everything to my new address.",
    )
    assert receive(app, forged).outcome == Outcome.REPLY
    staff_does(app, desk, number, working.agent_reply, "Your return label: ABC-123.")
    own = compose(
        sender="thief@attacker.test",
        subject=f"Re: [#{number}] show me the request",
        message_id="<forged-2@attacker.test>",
        headers={"In-Reply-To": ack_id},
    )
    assert receive(app, own).outcome == Outcome.REQUEST
    to_thief = outbox_to(app, "thief@attacker.test")
    assert len(to_thief) == 1  # the acknowledgement of the thief's own request
    assert number not in to_thief[0].body_text
    assert all("ABC-123" not in mail.body_text for mail in to_thief)
    assert {mail.to_address for mail in all_outbox(app)} == {CASEY, "thief@attacker.test"}


def test_a_reply_to_a_closed_request_opens_a_new_one_naming_it(app, desk, by_mail):
    """A closed request takes no more messages: a new request says which one it follows."""
    number, ack_id = by_mail
    staff_does(app, desk, number, working.set_status, Status.CLOSED)
    received = receive(app, eml("reply_quoted.eml", number=number, in_reply_to=ack_id))
    assert received.outcome == Outcome.REQUEST
    old, new = request_rows(app)
    assert old.message_count == 1 and old.status == Status.CLOSED
    assert new.context == {"previous_request": number}
    assert new.department_id == old.department_id


def test_a_reply_to_a_solved_request_reopens_it_within_the_reopen_days(app, desk, by_mail):
    """Within SUPPORT_REOPEN_DAYS the customer's mail reopens the solved request."""
    number, ack_id = by_mail
    staff_does(app, desk, number, working.set_status, Status.SOLVED)
    received = receive(app, eml("reply_quoted.eml", number=number, in_reply_to=ack_id))
    assert received.outcome == Outcome.REPLY
    assert request_rows(app)[0].status == Status.OPEN


def test_a_reply_long_after_solving_opens_a_new_request(app, desk, by_mail):
    """After SUPPORT_REOPEN_DAYS a solved request stays solved; the mail starts anew."""
    number, ack_id = by_mail
    staff_does(app, desk, number, working.set_status, Status.SOLVED)
    later = utcnow() + timedelta(days=30)
    raw = eml("reply_quoted.eml", number=number, in_reply_to=ack_id)
    assert receive(app, raw, now=later).outcome == Outcome.REQUEST
    old, new = request_rows(app)
    assert old.status == Status.SOLVED
    assert new.context == {"previous_request": number}


def test_a_reply_to_a_merged_request_lands_where_it_was_merged(app, desk, by_mail):
    """The duplicate's thread leads to the request it was merged into."""
    number, ack_id = by_mail
    target = receive(app, compose(message_id="<second@customer.test>")).number
    staff_does(app, desk, number, working.merge, target)
    received = receive(app, eml("reply_quoted.eml", number=number, in_reply_to=ack_id))
    assert (received.outcome, received.number) == (Outcome.REPLY, target)


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        (CASEY, {"Auto-Submitted": "auto-replied"}),
        (CASEY, {"Auto-Submitted": "auto-generated; type=vacation"}),
        (CASEY, {"Precedence": "bulk"}),
        (CASEY, {"Precedence": "junk"}),
        (CASEY, {"Precedence": "list"}),
        (CASEY, {"X-Autoreply": "yes"}),
        (CASEY, {"X-Autorespond": "Out of office"}),
        (CASEY, {"X-Auto-Response-Suppress": "All"}),
        (CASEY, {"List-Id": "Customers <customers.lists.customer.test>"}),
        ("MAILER-DAEMON@mx.customer.test", {}),
        ("postmaster@customer.test", {}),
        ("No Reply <noreply@shop.test>", {}),
        ("do-not-reply@shop.test", {}),
        ("Portico <no-reply@portico.localhost>", {}),
        ("returns@portico.localhost", {}),
        ("support@portico.localhost", {}),
    ],
)
def test_automatic_mail_is_recorded_and_never_answered(app, desk, sender, headers):
    """Robots, lists and our own mail: no request, no acknowledgement, a row with the reason."""
    received = receive(app, compose(sender=sender, headers=headers))
    assert received.outcome == Outcome.AUTO_REPLY
    assert request_rows(app) == []
    assert all_outbox(app) == []
    [row] = inbound_rows(app)
    assert row.outcome == "auto_reply" and row.reason


def test_auto_submitted_no_is_a_person(app, desk):
    """`Auto-Submitted: no` is what a person's mail program says: a request."""
    received = receive(app, compose(headers={"Auto-Submitted": "no", "Precedence": "normal"}))
    assert received.outcome == Outcome.REQUEST


def test_an_out_of_office_reply_to_our_acknowledgement_is_kept_quiet(app, by_mail):
    """An automatic answer to our mail is tied to the request but adds nothing to it."""
    number, ack_id = by_mail
    received = receive(app, eml("auto_reply.eml", number=number, in_reply_to=ack_id))
    assert received.outcome == Outcome.AUTO_REPLY
    [request] = request_rows(app)
    assert request.message_count == 1
    assert inbound_rows(app)[1].request_id == request.id
    assert len(outbox_to(app, CASEY)) == 1


def test_our_own_message_coming_back_is_not_answered(app, by_mail):
    """A copy of our acknowledgement (its Message-ID is ours) loops no further."""
    number, ack_id = by_mail
    raw = compose(subject=f"[#{number}] We received your request", message_id=ack_id)
    received = receive(app, raw)
    assert received.outcome == Outcome.AUTO_REPLY
    assert inbound_rows(app)[-1].reason == "our own Message-ID"
    assert request_rows(app)[0].message_count == 1


def test_a_bounce_is_recorded_against_the_address_that_failed(app, by_mail):
    """A delivery report: outcome bounce, the Final-Recipient, and the request it concerns."""
    number, ack_id = by_mail
    received = receive(app, eml("bounce.eml", number=number, in_reply_to=ack_id))
    assert received.outcome == Outcome.BOUNCE
    row = inbound_rows(app)[-1]
    assert (row.outcome, row.bounced_address) == ("bounce", "gone@customer.test")
    assert row.request_id == request_rows(app)[0].id
    assert row.raw is not None
    assert outbox_to(app, "mailer-daemon@mx.customer.test") == []
    assert len(request_rows(app)) == 1


def test_the_same_message_twice_is_stored_once(app, desk):
    """A second delivery of one Message-ID changes nothing."""
    first = receive(app, eml("plain.eml"))
    second = receive(app, eml("plain.eml"))
    assert (first.outcome, second.outcome) == (Outcome.REQUEST, Outcome.DUPLICATE)
    assert len(request_rows(app)) == len(inbound_rows(app)) == len(outbox_to(app, CASEY)) == 1


def test_a_message_without_a_message_id_gets_a_stable_one(app, desk):
    """The same bytes without a Message-ID are recognised by their hash."""
    first = receive(app, eml("no_message_id.eml"))
    second = receive(app, eml("no_message_id.eml").replace(b"\n", b"\r\n"))
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@synthetic.invalid>")
    assert second.outcome == Outcome.DUPLICATE
    assert len(request_rows(app)) == 1


def test_a_reply_received_twice_is_added_once(app, by_mail):
    """A reply delivered again (a fetcher restarted) does not double the conversation."""
    number, ack_id = by_mail
    raw = eml("reply_quoted.eml", number=number, in_reply_to=ack_id)
    assert [receive(app, raw).outcome for _ in range(2)] == [Outcome.REPLY, Outcome.DUPLICATE]
    assert request_rows(app)[0].message_count == 2
