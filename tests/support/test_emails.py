"""Support's emails, as outbox rows: what the customer and the staff read, in their language
and time zone, with the links they need, and never an internal note."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from community.accounts.models import User
from community.extensions import db
from community.outbox.models import OutboxMessage
from support.models import Department, Rating, SupportRequest
from support.services import mailer, ratings, requests, sweep, working
from tests.community.outbox_helpers import link_in, queued_to
from tests.support.conftest import load


def set_profile(app, user_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(**values))
        db.session.commit()


def expected_due(app, record, locale: str, timezone: str) -> str:
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        return mailer.local_time(found.first_reply_due_at, locale, timezone)


def every_customer_email(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(
            db.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "support"))
        )
        db.session.expunge_all()
        return rows


def test_the_acknowledgement_gives_the_due_time_in_the_customers_zone_and_language(
    app, desk, open_request
):
    """A Chinese-speaking customer in Shanghai reads the number, what they asked, the promised
    first reply as a Shanghai date and time in Chinese, the link, and how to answer."""
    set_profile(app, desk.customer.id, locale="zh_Hans_CN", timezone="Asia/Shanghai")
    record = open_request("水壶坏了", "盖子裂了，可以退货吗？", by=desk.customer)
    [ack] = queued_to(app, desk.customer.email)
    due = expected_due(app, record, "zh_Hans_CN", "Asia/Shanghai")
    assert "年" in due and "中国" in due  # a Chinese date, in China Standard Time
    assert f"[#{record.number}]" in ack.subject and "水壶坏了" in ack.subject
    for body in (ack.body_text, ack.body_html):
        assert due in body
        assert record.number in body
        assert "盖子裂了，可以退货吗？" in body
        assert f"/account/requests/{record.number}" in body
    assert "Reply to this email" in ack.body_text or "回复" in ack.body_text
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["Reply-To"].startswith("returns@")


def test_an_english_customer_reads_english_in_their_own_zone(app, desk, open_request):
    """The same email for a customer in New York, in English."""
    set_profile(app, desk.customer.id, locale="en", timezone="America/New_York")
    record = open_request(by=desk.customer)
    [ack] = queued_to(app, desk.customer.email)
    due = expected_due(app, record, "en", "America/New_York")
    assert "Eastern" in due
    assert due in ack.body_text and due in ack.body_html
    assert "Our promise: a first reply by" in ack.body_text
    assert "Reply to this email to add to your request." in ack.body_text


def test_a_visitors_acknowledgement_carries_a_follow_link_and_the_departments_zone(
    app, desk, client, open_request
):
    """Without an account: the department's time zone, and a signed link that opens the
    request."""
    with app.app_context():
        db.session.execute(
            update(Department).where(Department.id == desk.returns_id).values(timezone="Asia/Tokyo")
        )
        db.session.commit()
    record = open_request(email="walkin@mail.test")
    [ack] = queued_to(app, "walkin@mail.test")
    assert expected_due(app, record, "en", "Asia/Tokyo") in ack.body_text
    follow = link_in(ack.body_text, "/support/r/")
    assert client.get(follow).status_code == 200


def test_an_agents_reply_is_emailed_and_an_internal_note_never_is(app, desk, open_request):
    """The answer reaches the customer by email (text and HTML); a note reaches nobody outside."""
    record = open_request(email="walkin@mail.test")
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        agent = db.session.get(User, desk.agent.id)
        working.add_note(found, "Internal: refund needs approval", by=agent)
        working.agent_reply(found, "We sent **a new lid** today.", by=agent)
    reply = [row for row in queued_to(app, "walkin@mail.test") if "received" not in row.subject]
    assert len(reply) == 1
    assert "We sent **a new lid** today." in reply[0].body_text
    assert "<strong>a new lid</strong>" in reply[0].body_html
    assert "Ada Agent" in reply[0].body_text
    assert "Reply to this email" in reply[0].body_text
    for row in every_customer_email(app):
        assert "refund needs approval" not in row.body_text + (row.body_html or "")


def test_the_rating_email_offers_two_links(app, desk, open_request):
    """After "solved" the customer gets "Did we solve it?" with a yes and a no link."""
    record = open_request(email="walkin@mail.test")
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        working.agent_reply(found, "Done.", by=db.session.get(User, desk.agent.id), then="solved")
    [rating] = [row for row in queued_to(app, "walkin@mail.test") if "Did we solve" in row.subject]
    links = [part for part in rating.body_text.split() if "/support/rate/" in part]
    assert len(links) == 2 and links[0] != links[1]
    assert rating.body_html.count("/support/rate/") == 2


def test_staff_emails_carry_the_staff_link(app, desk, open_request):
    """Assigned, the customer answered, due soon, past due: each to the right person, with
    the request's staff page."""
    record = open_request(by=desk.customer)
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        working.assign(found, desk.agent.id, by=db.session.get(User, desk.lead.id))
        requests.customer_reply(found, "Photo attached.", by=db.session.get(User, desk.customer.id))
    agent_mail = queued_to(app, desk.agent.email)
    assert any("assigned to you" in row.subject for row in agent_mail)
    answered = [row for row in agent_mail if "customer answered" in row.subject]
    assert answered and "Photo attached." in answered[0].body_text
    with app.app_context():
        due = load(app, record).next_due_at
        sweep.sweep(due - timedelta(minutes=5))
        sweep.sweep(due + timedelta(minutes=5))
    agent_mail = queued_to(app, desk.agent.email)
    assert any("Due soon" in row.subject for row in agent_mail)
    lead_mail = [
        row for row in queued_to(app, desk.lead.email) if "Past its promised" in row.subject
    ]
    assert lead_mail and "in your department" in lead_mail[0].body_text
    for row in agent_mail + lead_mail:
        assert f"/support/requests/{record.number}" in row.body_text
        assert f"/support/requests/{record.number}" in row.body_html


def test_a_bad_rating_email_reaches_the_lead_with_the_comment(app, desk, open_request):
    """ratings.rate's email to the lead renders the comment in text and HTML, escaped."""
    record = open_request(email="walkin@mail.test")
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        working.agent_reply(found, "Done.", by=db.session.get(User, desk.agent.id), then="solved")
        ratings.rate(found, Rating.BAD, "<script>alert(1)</script> still broken")
    [row] = [row for row in queued_to(app, desk.lead.email) if "not happy" in row.subject]
    assert "still broken" in row.body_text
    assert "<script>" not in row.body_html and "&lt;script&gt;" in row.body_html
