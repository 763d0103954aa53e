"""The customer's side on the web: writing to support (signed in, as a visitor, from a forum
topic or a shipment), the list of requests, one request's conversation, and who may see it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from community.accounts.models import User
from community.extensions import db
from forum.models import ForumCategory, Post, Topic
from kb.search import engine
from support.models import Deflection, Department, SupportAttachment, SupportMessage, SupportRequest
from support.services import deflection, mailer, working
from support.services.conversation import Upload
from tests.community.outbox_helpers import link_in, queued_to
from tests.helpers import logged_in
from tests.support.conftest import load
from tracking import services as tracking
from tracking.schemas import EventIn, ShipmentIn

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


def form_key(page: str) -> str:
    found = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page)
    if found is None:
        found = re.search(r'type="hidden" name="form_key" value="([^"]+)"', page)
    assert found, "the form carries a key"
    return found.group(1)


def new_request(client, desk, **fields):
    """Send /support/new the way the browser would."""
    data = {
        "topic": str(desk.return_topic_id),
        "subject": "The kettle arrived broken",
        "body": "The **lid** is cracked.",
        **fields,
    }
    return client.post_form("/support/new", data, content_type="multipart/form-data")


def newest_request(app) -> SupportRequest:
    with app.app_context():
        found = db.session.scalar(select(SupportRequest).order_by(SupportRequest.id.desc()))
        assert found is not None
        db.session.expunge(found)
        return found


def request_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SupportRequest)) or 0


def set_profile(app, user_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(**values))
        db.session.commit()


# Writing to support ---------------------------------------------------------------------------
def test_the_form_groups_topics_under_their_departments(app, desk):
    """Topics are grouped by department, in the reader's language, with suggestions wired."""
    client = logged_in(app, desk.customer)
    page = client.get("/support/new").get_data(as_text=True)
    assert '<optgroup label="Returns">' in page and "Return an item" in page
    assert 'data-similar-url="/forum/similar"' in page
    assert form_key(page)
    assert 'name="email"' not in page  # a member writes as themselves
    set_profile(app, desk.customer.id, locale="zh_Hans_CN")
    chinese = client.get("/support/new").get_data(as_text=True)
    assert '<optgroup label="returns">' in chinese and "退货" in chinese


def test_a_customer_opens_a_request_with_files_and_finds_it_listed(app, desk):
    """Two files ride along; the request is listed, its page shows both, and they download."""
    client = logged_in(app, desk.customer)
    response = new_request(
        client,
        desk,
        files=[(io.BytesIO(PNG), "photo.png"), (io.BytesIO(PDF), "receipt.pdf")],
    )
    assert response.status_code == 302
    found = newest_request(app)
    assert response.headers["Location"] == f"/account/requests/{found.number}"
    assert found.requester_id == desk.customer.id and found.department_id == desk.returns_id
    listing = client.get("/account/requests").get_data(as_text=True)
    assert found.number in listing and "The kettle arrived broken" in listing
    page = client.get(f"/account/requests/{found.number}").get_data(as_text=True)
    assert "<strong>lid</strong>" in page and "photo.png" in page and "receipt.pdf" in page
    with app.app_context():
        file_id = db.session.scalar(
            select(SupportAttachment.id).where(SupportAttachment.filename == "receipt.pdf")
        )
    download = client.get(f"/account/requests/{found.number}/files/{file_id}")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_list_is_newest_first_with_each_status(app, desk, open_request):
    """/account/requests lists the customer's own requests only, newest first, with status."""
    older = open_request("First question", by=desk.customer)
    newer = open_request("Second question", by=desk.customer)
    open_request("Someone else's question", email="other@example.org")
    page = logged_in(app, desk.customer).get("/account/requests").get_data(as_text=True)
    assert page.index(newer.number) < page.index(older.number)
    assert "Someone else" not in page
    assert "Received" in page


def test_a_file_that_lies_about_its_type_is_refused_and_nothing_is_kept(app, desk):
    """An executable named .pdf is refused beside the field; no request is stored."""
    client = logged_in(app, desk.customer)
    response = new_request(client, desk, files=[(io.BytesIO(b"MZ\x90\x00evil"), "invoice.pdf")])
    assert response.status_code == 422
    assert "does not match its .pdf name" in response.get_data(as_text=True)
    assert request_count(app) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topic": ""}, "Choose a topic from the list."),
        ({"topic": "99999999999999999999"}, "Not a valid choice"),
        ({"topic": "abc"}, "Not a valid choice"),
        ({"subject": "\x00\u200b"}, "This field cannot be empty."),
        ({"subject": "two\nlines"}, "Use a single line."),
        ({"body": "\x00\x00\x00"}, "This field cannot be empty."),
        ({"body": "x" * 50_001}, "Field cannot be longer"),
    ],
)
def test_hostile_input_is_refused_on_the_form(app, desk, fields, message):
    """Empty, invisible, NUL-only, huge or unknown values get a message and store nothing."""
    response = new_request(logged_in(app, desk.customer), desk, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert request_count(app) == 0


def test_nul_bytes_inside_text_are_dropped_not_stored(app, desk):
    """A NUL byte inside the subject never reaches the database."""
    response = new_request(logged_in(app, desk.customer), desk, subject="Broken\x00 kettle")
    assert response.status_code == 302
    assert newest_request(app).subject == "Broken kettle"


# Visitors ---------------------------------------------------------------------------------------
def test_a_visitor_writes_and_follows_the_request_by_its_link(app, desk, client):
    """A visitor's request belongs to no account; the acknowledgement's link opens it, and
    they reply, mark it solved and rate it there."""
    response = new_request(client, desk, name="Vera Visitor", email="Vera@Example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/support/sent"
    found = newest_request(app)
    assert found.requester_id is None and found.requester_email == "vera@example.org"
    sent = client.get("/support/sent").get_data(as_text=True)
    assert found.number in sent and "vera@example.org" in sent
    assert client.get("/support/sent").status_code == 302  # shown once
    follow = link_in(queued_to(app, "vera@example.org")[0].body_text, "/support/r/")
    page = client.get(follow)
    assert page.status_code == 200 and "The kettle arrived broken" in page.get_data(as_text=True)
    assert client.post_form(follow, {"body": "Any news?"}).status_code == 302
    assert "Any news?" in client.get(follow).get_data(as_text=True)
    assert client.post_form(follow + "/solve").status_code == 302
    assert load(app, found).status == "solved"
    rated = client.post_form(follow + "/rate", {"rating": "good", "comment": "Quick!"})
    assert rated.status_code == 302
    assert load(app, found).rating == "good"


def test_a_visitor_must_give_a_name_and_an_address(app, desk, client):
    """Without a valid address the form says so, and nothing is stored."""
    response = new_request(client, desk, name="Vera", email="not-an-address")
    assert response.status_code == 422
    assert "Enter a valid email address." in response.get_data(as_text=True)
    assert new_request(client, desk, name="", email="v@example.org").status_code == 422
    assert request_count(app) == 0


def test_a_forged_or_foreign_follow_link_is_404(app, desk, client, open_request):
    """A made-up token, or one naming another address, opens nothing."""
    assert client.get("/support/r/forged.token").status_code == 404
    assert client.get("/support/r/" + "x" * 2000).status_code == 404
    assert client.post_form("/support/r/forged.token", {"body": "hi"}).status_code == 404


# Who sees what --------------------------------------------------------------------------------
def test_another_customers_number_is_404_everywhere(app, desk, open_request, make_user):
    """Guessing a number shows nothing: page, reply, solve, rate, refresh and files are 404."""
    record = open_request(by=desk.customer)
    stranger = logged_in(app, make_user("stranger@example.org"))
    base = f"/account/requests/{record.number}"
    assert stranger.get(base).status_code == 404
    assert stranger.get(base + "/messages").status_code == 404
    assert stranger.get(base + "/files/1").status_code == 404
    assert stranger.post_form(base, {"body": "mine now"}).status_code == 404
    assert stranger.post_form(base + "/solve").status_code == 404
    assert stranger.post_form(base + "/rate", {"rating": "bad"}).status_code == 404
    assert stranger.get("/account/requests/999999999").status_code == 404
    assert stranger.get("/account/requests/1%00").status_code == 404
    assert load(app, record).message_count == 1


def test_internal_notes_never_reach_the_customer(app, desk, open_request):
    """A note is neither on the page, nor in the live refresh, nor downloadable."""
    record = open_request(by=desk.customer)
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        agent = db.session.get(User, desk.agent.id)
        note = working.add_note(
            found, "Secret: customer is difficult", by=agent, files=[_upload("note.pdf")]
        )
        working.agent_reply(found, "Happy to help!", by=agent)
        note_file = db.session.scalar(
            select(SupportAttachment.id).where(SupportAttachment.message_id == note.id)
        )
    client = logged_in(app, desk.customer)
    page = client.get(record.customer_path).get_data(as_text=True)
    assert "Happy to help!" in page and "Secret" not in page and "note.pdf" not in page
    fragment = client.get(record.customer_path + "/messages?after=0").get_data(as_text=True)
    assert "Happy to help!" in fragment and "Secret" not in fragment
    assert client.get(f"{record.customer_path}/files/{note_file}").status_code == 404


def _upload(name: str) -> Upload:
    return Upload(io.BytesIO(PDF), name)


def test_the_live_refresh_sends_only_newer_messages(app, desk, open_request):
    """`?after=<id>` answers the messages after it, as list items, never cached."""
    record = open_request(by=desk.customer)
    client = logged_in(app, desk.customer)
    client.post_form(record.customer_path, {"body": "A second message"})
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(SupportMessage.id)
                .where(SupportMessage.request_id == record.id)
                .order_by(SupportMessage.id)
            )
        )
    response = client.get(f"{record.customer_path}/messages?after={ids[0]}")
    body = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "A second message" in body and "The lid is cracked" not in body
    assert client.get(f"{record.customer_path}/messages?after=99999999999999").status_code == 200


# The conversation -------------------------------------------------------------------------------
def test_reply_solve_and_rate_once(app, desk, open_request):
    """The customer replies, marks the request solved, rates it once; a second rating is
    refused and changes nothing."""
    record = open_request(by=desk.customer)
    client = logged_in(app, desk.customer)
    replied = client.post_form(
        record.customer_path,
        {"body": "Here is a photo.", "files": (io.BytesIO(PNG), "lid.png")},
        content_type="multipart/form-data",
    )
    assert replied.status_code == 302
    assert load(app, record).message_count == 2
    page = client.get(record.customer_path).get_data(as_text=True)
    assert "Here is a photo." in page and "lid.png" in page and "Mark as solved" in page
    assert client.post_form(record.customer_path + "/solve").status_code == 302
    solved = client.get(record.customer_path).get_data(as_text=True)
    assert "Did we solve it?" in solved
    assert client.post_form(record.customer_path + "/rate", {"rating": "bad"}).status_code == 302
    again = client.post_form(
        record.customer_path + "/rate", {"rating": "good"}, follow_redirects=True
    )
    assert "rated already" in again.get_data(as_text=True)
    assert load(app, record).rating == "bad"


def test_an_empty_reply_is_refused_beside_the_field(app, desk, open_request):
    """A reply with nothing visible is a 422 with its message; nothing is added."""
    record = open_request(by=desk.customer)
    response = logged_in(app, desk.customer).post_form(record.customer_path, {"body": " \u200b "})
    assert response.status_code == 422
    assert "This field cannot be empty." in response.get_data(as_text=True)
    assert load(app, record).message_count == 1


def test_a_closed_request_takes_no_reply(app, desk, open_request):
    """Once closed, the page offers a new request instead, and a reply is refused."""
    record = open_request(by=desk.customer)
    with app.app_context():
        db.session.execute(
            update(SupportRequest).where(SupportRequest.id == record.id).values(status="closed")
        )
        db.session.commit()
    client = logged_in(app, desk.customer)
    page = client.get(record.customer_path).get_data(as_text=True)
    assert "Open a new request" in page and 'name="body"' not in page
    refused = client.post_form(record.customer_path, {"body": "Hello again"})
    assert refused.status_code == 403
    assert "Please open a new one." in refused.get_data(as_text=True)
    assert load(app, record).message_count == 1


# Requests that start where the customer is ------------------------------------------------------
def make_topic(app, author_id: int, *, solved: bool = False, title: str = "Printer offline") -> int:
    with app.app_context():
        category = ForumCategory(slug=f"help-{author_id}-{title[:5]}", name="Help")
        db.session.add(category)
        db.session.flush()
        topic = Topic(category_id=category.id, author_id=author_id, title=title, slug="printer")
        db.session.add(topic)
        db.session.flush()
        post = Post(topic_id=topic.id, number=1, author_id=author_id, body="?", body_html="?")
        db.session.add(post)
        db.session.flush()
        if solved:
            topic.accepted_post_id = post.id
            topic.solved_at = datetime.now(UTC)
        db.session.commit()
        return topic.id


def test_ask_support_privately_about_ones_own_unanswered_topic(app, desk):
    """?topic= prefills the subject, shows the topic, and the request carries it."""
    topic_id = make_topic(app, desk.customer.id)
    client = logged_in(app, desk.customer)
    page = client.get(f"/support/new?topic={topic_id}").get_data(as_text=True)
    assert 'value="Printer offline"' in page and "About your forum topic" in page
    response = new_request(client, desk, forum_topic=str(topic_id), subject="Printer offline")
    assert response.status_code == 302
    found = newest_request(app)
    assert found.forum_topic_id == topic_id
    assert found.context["forum_topic"]["title"] == "Printer offline"
    assert "Printer offline" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_topic_that_is_not_ones_own_or_is_solved_is_refused(app, desk, make_user, client):
    """Someone else's topic and a solved one are 403, an unknown one 404, a visitor logs in."""
    other = make_user("other@example.org")
    theirs = make_topic(app, other.id)
    solved = make_topic(app, desk.customer.id, solved=True, title="Solved one")
    member = logged_in(app, desk.customer)
    assert member.get(f"/support/new?topic={theirs}").status_code == 403
    assert member.get(f"/support/new?topic={solved}").status_code == 403
    assert member.get("/support/new?topic=99999999999").status_code == 404
    assert member.get("/support/new?topic=1x").status_code == 404
    assert new_request(member, desk, forum_topic=str(theirs)).status_code == 403
    assert client.get(f"/support/new?topic={theirs}").status_code == 302
    assert request_count(app) == 0


def make_shipment(app, owner_email: str, number: str, *, trouble: bool) -> None:
    with app.app_context():
        tracking.register_shipment(
            ShipmentIn.model_validate(
                {
                    "tracking_number": number,
                    "carrier": "Portico Express",
                    "owner_email": owner_email,
                    "contacts": [
                        {"name": "Sam", "email": "sam@example.org", "events": ["exception"]}
                    ],
                }
            )
        )
        tracking.record_events(
            [
                EventIn.model_validate(
                    {
                        "tracking_number": number,
                        "event_id": f"{number}-1",
                        "code": "exception" if trouble else "in_transit",
                        "occurred_at": "2026-03-02T08:00:00+00:00",
                        "location": "Memphis, US",
                        "description": "Address unknown" if trouble else "On its way",
                    }
                )
            ],
            notify=False,
        )


def test_get_help_with_a_shipment_that_has_a_problem(app, desk):
    """?shipment= carries the number, the last event and the contacts into the request."""
    make_shipment(app, desk.customer.email, "PT00000042", trouble=True)
    client = logged_in(app, desk.customer)
    page = client.get("/support/new?shipment=PT00000042").get_data(as_text=True)
    assert "About shipment PT00000042" in page and "Address unknown" in page and "Sam" in page
    response = new_request(client, desk, shipment="PT00000042", subject="Help with PT00000042")
    assert response.status_code == 302
    found = newest_request(app)
    assert found.tracking_number == "PT00000042"
    shipment = found.context["shipment"]
    assert shipment["last_event"]["code"] == "exception"
    assert shipment["last_event"]["place"] == "Memphis, US"
    assert shipment["contacts"] == [{"name": "Sam", "email": "sam@example.org"}]


def test_a_shipment_without_a_problem_or_not_ones_own_is_refused(app, desk, make_user):
    """Someone else's shipment is 404; one doing fine is 403; nothing is stored. NUL bytes are
    dropped on the way in, so `%00%00` names no shipment: the plain form."""
    other = make_user("other@example.org")
    make_shipment(app, other.email, "PT00000043", trouble=True)
    make_shipment(app, desk.customer.email, "PT00000044", trouble=False)
    client = logged_in(app, desk.customer)
    assert client.get("/support/new?shipment=PT00000043").status_code == 404
    assert client.get("/support/new?shipment=PT00000044").status_code == 403
    plain = client.get("/support/new?shipment=%00%00")
    assert plain.status_code == 200 and "PT000000" not in plain.get_data(as_text=True)
    assert new_request(client, desk, shipment="PT00000043").status_code == 404
    assert request_count(app) == 0


# Deflection and limits ------------------------------------------------------------------------
def test_opened_suggestions_are_counted_against_the_form(app, desk, client):
    """Each opened suggestion is recorded once per form; sending the form marks it; a form
    left after a suggestion counts as deflected; foreign addresses are refused."""
    first = form_key(client.get("/support/new").get_data(as_text=True))
    second = form_key(client.get("/support/new").get_data(as_text=True))
    for key in (first, first, second):
        opened = client.get(
            "/support/deflect",
            query_string={"key": key, "url": "/kb/articles/returns", "topic": desk.return_topic_id},
        )
        assert opened.status_code == 303 and opened.headers["Location"] == "/kb/articles/returns"
    for target in ("https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:alert(1)"):
        assert (
            client.get("/support/deflect", query_string={"key": first, "url": target}).status_code
            == 400
        )
    new_request(client, desk, name="Vera", email="vera@example.org", form_key=second)
    with app.app_context():
        rows = db.session.scalars(select(Deflection).order_by(Deflection.id)).all()
        assert [(row.form_key, row.submitted) for row in rows] == [(first, False), (second, True)]
        assert rows[0].department_id == desk.returns_id
        now = datetime.now(UTC)
        counted = deflection.counts(now.replace(year=now.year - 1), now)
    assert counted[desk.returns_id] == deflection.DeflectionCount(opened=2, left=1)


def test_posting_is_rate_limited(make_app, desk):
    """Past SUPPORT_RATE_LIMIT_POST, a new request gets 429 and is not stored."""
    limited = make_app(RATELIMIT_ENABLED=True, SUPPORT_RATE_LIMIT_POST="2 per minute")
    with limited.app_context():
        engine(limited).ensure_started()
    client = logged_in(limited, desk.customer)
    assert new_request(client, desk).status_code == 302
    assert new_request(client, desk).status_code == 302
    assert new_request(client, desk).status_code == 429
    assert request_count(limited) == 2
    assert client.get("/support/new").status_code == 200  # reading is not limited


def test_visitors_must_log_in_to_start_from_a_topic(app, desk, client):
    """A visitor asking about a forum topic or shipment is sent to log in first."""
    response = client.get("/support/new?shipment=PT00000042")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_visitor_in_shanghai_reads_shanghai_time_in_their_email(app, desk, client):
    """A visitor's browser zone (the portico_tz cookie) goes with their request: the
    acknowledgement's promised time is in it, not the department's; a made-up zone is not."""
    with app.app_context():
        db.session.execute(
            update(Department).where(Department.id == desk.returns_id).values(timezone="Asia/Tokyo")
        )
        db.session.commit()
    client.set_cookie("portico_tz", "Asia/Shanghai")
    new_request(client, desk, name="Wang Fang", email="wang@example.cn")
    [ack] = queued_to(app, "wang@example.cn")
    found = newest_request(app)
    assert found.timezone == "Asia/Shanghai"
    due = mailer.local_time(found.first_reply_due_at, "en", "Asia/Shanghai")
    assert due in ack.body_text and "China" in due
    other = app.test_client()
    other.set_cookie("portico_tz", "Mars/Olympus_Mons")
    new_request(other, desk, name="Zed", email="zed@example.org")
    assert newest_request(app).timezone is None
