"""The staff's request page: what it shows, who may open it, and every action on it with its
refusals (which change nothing), internal notes kept from the customer, and a page cost
that stays flat as requests grow."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role
from community.extensions import db
from kb.models import Article
from support.models import (
    AgentMembership,
    CannedReply,
    MessageKind,
    Status,
    SupportMessage,
)
from support.services import working
from tests.support.conftest import load
from tests.support.staff_helpers import acting, outbox_to, row, signed_in, statements
from tests.vip.conftest import assign
from tracking.models import Order, Shipment

PDF = b"%PDF-1.4 a small receipt"


def message_count(app, record) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(
            select(func.count(SupportMessage.id)).where(SupportMessage.request_id == record.id)
        )


def add_note(app, person, record, body: str, files=()) -> None:  # type: ignore[no-untyped-def]
    with acting(app, person) as user:
        working.add_note(row(record), body, by=user, files=files)


def add_order(app, owner, number: str, tracking_number: str) -> None:  # type: ignore[no-untyped-def]
    """An order with one shipment on the customer's account (as the shop's API leaves them)."""
    with app.app_context():
        order = Order(number=number, owner_id=owner.id, status="shipped",
                      placed_at=datetime(2026, 12, 1, tzinfo=UTC), items=[],
                      total_amount=Decimal("49.00"), currency="CNY")  # fmt: skip
        db.session.add(order)
        db.session.flush()
        db.session.add(Shipment(tracking_number=tracking_number, carrier="SF Express",
                                order_id=order.id, owner_id=owner.id))  # fmt: skip
        db.session.commit()


def test_the_page_shows_conversation_history_and_the_customers_context(app, desk, open_request):
    """Messages newest last, notes marked, files, history, other requests, orders, promise."""
    record = open_request("Kettle lid cracked", "The lid is **cracked**.", by=desk.customer)
    older = open_request("Earlier question", by=desk.customer)
    with acting(app, desk.agent) as agent:
        working.agent_reply(row(record), "Sorry! Send it back.", by=agent, then=Status.WAITING)
    add_note(app, desk.agent, record, "Checked the warehouse stock.")
    add_order(app, desk.customer, "SO-1001", "SF1234567890")
    page = signed_in(app, desk.agent).get(record.staff_path)
    assert page.status_code == 200
    text = page.text
    order_of = [
        text.index(part) for part in ("<strong>cracked</strong>", "Send it back", "warehouse")
    ]
    assert order_of == sorted(order_of)  # newest last
    note = text[text.index('class="sup-entry sup-msg sup-msg-note"') :]
    assert note.index("Internal note") < note.index("warehouse")
    assert "Ada Agent took the request." in text
    assert "changed the status from New to Waiting on the customer" in text
    assert f"#{older.number} Earlier question" in text
    assert "SO-1001" in text and "SF1234567890" in text
    assert "First reply within 4 h, solved within 24 h" in text
    assert "css/support-staff.css" in text and "js/support-staff.js" in text
    assert 'data-badge="support"' in text


def test_a_vip_request_is_marked(app, desk, open_request, make_user):
    """A VIP client's request carries their tier's badge."""
    vip = make_user("vivian@example.com", display_name="Vivian", vip_tier="gold")
    record = open_request("Where is my parcel?", by=vip)
    assert "badge-vip" in signed_in(app, desk.agent).get(record.staff_path).text


def test_a_vip_clients_manager_works_their_request(app, desk, open_request, make_user):
    """A VIP's account manager works their client's request; to another manager (staff, but
    no agent) it does not exist."""
    vip = make_user("vivian@example.com", display_name="Vivian", vip_tier="gold")
    manager, other = make_user(roles=[Role.MANAGER]), make_user(roles=[Role.MANAGER])
    assign(app, vip, manager)
    record = open_request("Where is my parcel?", by=vip)
    assert load(app, record).assignee_id == manager.id
    client = signed_in(app, manager)
    assert client.get(record.staff_path).status_code == 200
    answer = client.post_form(f"{record.staff_path}/reply", {"body": "On its way.", "then": "open"})
    assert answer.status_code == 303 and message_count(app, record) == 2
    assert signed_in(app, other).get(record.staff_path).status_code == 404
    assert signed_in(app, manager).get("/support/").status_code == 403  # no inbox: not an agent


def test_who_may_open_a_request_page(app, desk, open_request, make_user):
    """Visitors log in; customers and other departments 403; unknown numbers 404 for agents."""
    record = open_request(by=desk.customer)
    visitor = signed_in(app, None).get(record.staff_path)
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    customer = signed_in(app, desk.customer)
    assert customer.get(record.staff_path).status_code == 403
    assert customer.get("/support/requests/999999").status_code == 403  # no probing
    assert signed_in(app, desk.outsider).get(record.staff_path).status_code == 403
    assert signed_in(app, desk.agent).get("/support/requests/999999").status_code == 404
    assert signed_in(app, desk.lead).get(record.staff_path).status_code == 200
    admin = make_user(roles=[Role.ADMIN])
    assert signed_in(app, admin).get(record.staff_path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/support/requests/-1",
        "/support/requests/" + "9" * 40,
        "/support/requests/abc",
        "/support/requests/%00",
        "/support/requests/1%002",
        "/support/requests/{number}/files/99999999999/x.pdf",
        "/support/requests/{number}/files/0/x.pdf",
        "/support/requests/{number}/messages?after=-5&events_after=" + "9" * 40,
        "/support/requests/{number}/messages?after=%00",
    ],
)
def test_hostile_addresses_never_fail(app, desk, open_request, path):
    """Negative, huge or NUL numbers and ids are a 404 (or an empty answer), never a 500."""
    record = open_request()
    response = signed_in(app, desk.agent).get(path.format(number=record.number))
    assert response.status_code in (200, 404)


def test_an_answer_is_emailed_and_leaves_the_status_chosen(app, desk, open_request):
    """The answer reaches the customer's outbox; "wait on the customer" stops the clock."""
    record = open_request(by=desk.customer)
    response = signed_in(app, desk.agent).post_form(
        f"{record.staff_path}/reply", {"body": "Here is your **label**.", "then": "waiting"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(record.number)
    assert load(app, record).status == Status.WAITING
    assert any("Here is your" in mail.body_text for mail in outbox_to(app, desk.customer.email))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "   \u200b ", "then": "open"}, "Write the answer first."),
        ({"body": "", "then": "open"}, "Write the answer first."),
        ({"body": "Fine.", "then": "closed"}, "Choose what happens next from the list."),
        ({"body": "Fine.", "then": "\x00"}, "Choose what happens next from the list."),
    ],
)
def test_a_bad_answer_changes_nothing(app, desk, open_request, data, message):
    """An empty body or an unknown "then" shows the form's error (422) and sends nothing."""
    record = open_request(by=desk.customer)
    before = len(outbox_to(app, desk.customer.email))
    response = signed_in(app, desk.agent).post_form(f"{record.staff_path}/reply", data)
    assert response.status_code == 422 and message in response.text
    assert message_count(app, record) == 1 and load(app, record).status == Status.NEW
    assert len(outbox_to(app, desk.customer.email)) == before


def test_internal_notes_never_reach_the_customer(app, desk, open_request):
    """Not emailed, not on their page, not in the staff fragment (403 to them); marked for staff."""
    record = open_request(by=desk.customer)
    staff = signed_in(app, desk.agent)
    response = staff.post_form(
        f"{record.staff_path}/note",
        {"body": "SECRET-NOTE: customer seems upset", "files": (io.BytesIO(PDF), "memo.pdf")},
    )
    assert response.status_code == 303
    assert all("SECRET-NOTE" not in mail.body_text + (mail.body_html or "")
               for mail in outbox_to(app, desk.customer.email))  # fmt: skip
    customer = signed_in(app, desk.customer)
    own_page = customer.get(record.customer_path)
    assert own_page.status_code == 200 and "The lid is cracked" in own_page.text
    assert "SECRET-NOTE" not in own_page.text and "memo.pdf" not in own_page.text
    assert customer.get(f"{record.staff_path}/messages").status_code == 403
    fragment = staff.get(f"{record.staff_path}/messages?after=0")
    assert "SECRET-NOTE" in fragment.json["html"] and "Internal note" in fragment.json["html"]
    link = re.search(r'href="([^"]+/files/\d+/memo\.pdf)"', staff.get(record.staff_path).text)
    assert link is not None
    download = staff.get(link.group(1))
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert customer.get(link.group(1)).status_code == 403


def test_an_answer_after_a_note_emails_only_the_answer(app, desk, open_request):
    """The customer's email carries the answer and nothing of the notes written before it."""
    record = open_request(by=desk.customer)
    add_note(app, desk.agent, record, "SECRET-NOTE do not refund twice")
    signed_in(app, desk.agent).post_form(
        f"{record.staff_path}/reply", {"body": "Your refund is on its way.", "then": "open"}
    )
    mails = outbox_to(app, desk.customer.email)
    assert any("refund is on its way" in mail.body_text for mail in mails)
    assert all("SECRET-NOTE" not in mail.body_text + (mail.body_html or "") for mail in mails)


def test_assign_and_claim(app, desk, open_request):
    """Assign to an agent of the department, back to nobody, or take it yourself."""
    record = open_request()
    client = signed_in(app, desk.agent)
    assert (
        client.post_form(f"{record.staff_path}/assign", {"assignee": desk.lead.id}).status_code
        == 303
    )
    assert load(app, record).assignee_id == desk.lead.id
    client.post_form(f"{record.staff_path}/assign", {"assignee": ""})
    assert load(app, record).assignee_id is None
    assert client.post_form(f"{record.staff_path}/claim").status_code == 303
    assert load(app, record).assignee_id == desk.agent.id
    assert "Take it myself" not in client.get(record.staff_path).text


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("assign", {"assignee": "{outsider}"}, "Choose an agent of this request"),
        ("assign", {"assignee": "abc"}, "Choose an agent of this request"),
        ("assign", {"assignee": str(10**12)}, "Choose an agent of this request"),
        ("assign", {"assignee": "-3"}, "Choose an agent of this request"),
        ("status", {"status": "deleted"}, "Choose a status from the list."),
        ("status", {"status": ""}, "Choose a status from the list."),
        ("priority", {"priority": "critical"}, "Choose a priority from the list."),
        ("priority", {"priority": "\x00"}, "Choose a priority from the list."),
        ("department", {"department": "99999"}, "Choose a department from the list."),
        ("department", {"department": "1e9"}, "Choose a department from the list."),
        ("department", {"department": str(10**30)}, "Choose a department from the list."),
        ("merge", {"target": ""}, "Enter the number of another open request."),
        ("merge", {"target": "{self}"}, "Enter the number of another open request."),
        ("merge", {"target": "999999"}, "Enter the number of another open request."),
        ("merge", {"target": "12\x0034"}, "Enter the number of another open request."),
        ("merge", {"target": "{stranger}"}, "Only requests from the same customer can be merged."),
    ],
)
def test_bad_input_on_each_form_changes_nothing(app, desk, open_request, action, data, message):
    """Each refusal is the form's error on the page again (422), and the request is unchanged."""
    record = open_request("Mine", by=desk.customer)
    stranger = open_request("Someone else's", email="stranger@mail.test")
    values = {"outsider": desk.outsider.id, "self": record.number, "stranger": stranger.number}
    filled = {key: value.format(**values) for key, value in data.items()}
    before = load(app, record)
    response = signed_in(app, desk.agent).post_form(f"{record.staff_path}/{action}", filled)
    assert response.status_code == 422 and message in response.text
    after = load(app, record)
    for column in (
        "status",
        "priority",
        "department_id",
        "assignee_id",
        "merged_into_id",
        "version",
    ):
        assert getattr(after, column) == getattr(before, column)
    assert message_count(app, record) == 1 and message_count(app, stranger) == 1


def test_actions_answer_json_when_asked(app, desk, open_request):
    """The page's script gets {"ok": true} or a 422 naming the field."""
    record = open_request()
    client = signed_in(app, desk.agent)
    headers = {"Accept": "application/json"}
    done = client.post_form(
        f"{record.staff_path}/priority", {"priority": "urgent"}, headers=headers
    )
    assert done.status_code == 200 and done.json["ok"] is True
    assert done.json["version"] == load(app, record).version
    refused = client.post_form(f"{record.staff_path}/note", {"body": " "}, headers=headers)
    assert refused.status_code == 422 and refused.json["error"]["fields"][0]["field"] == "body"


def test_status_priority_and_department_change(app, desk, open_request):
    """Each small form saves its value; moving out of one's departments leads to the inbox."""
    record = open_request()
    client = signed_in(app, desk.agent)
    client.post_form(f"{record.staff_path}/status", {"status": "open"})
    client.post_form(f"{record.staff_path}/priority", {"priority": "high"})
    saved = load(app, record)
    assert (saved.status, saved.priority) == ("open", "high")
    moved = client.post_form(f"{record.staff_path}/department", {"department": desk.billing_id})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/support/")
    assert load(app, record).department_id == desk.billing_id
    assert client.get(record.staff_path).status_code == 403  # billing is not the agent's
    lead = signed_in(app, desk.lead)
    assert "Ada Agent moved it from Returns to Billing." in lead.get(record.staff_path).text
    fragment = lead.get(f"{record.staff_path}/messages").json["html"]
    assert "moved it from Returns to Billing." in fragment


def test_merging_moves_the_messages(app, desk, open_request):
    """The duplicate's messages join the other request; the duplicate closes and points there."""
    target = open_request("Kettle broken", "First message", by=desk.customer)
    duplicate = open_request("Kettle broken again", "Second message", by=desk.customer)
    add_note(app, desk.agent, duplicate, "A note on the duplicate")
    response = signed_in(app, desk.agent).post_form(
        f"{duplicate.staff_path}/merge", {"target": f"#{target.number}"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(target.number)
    assert message_count(app, target) == 3 and message_count(app, duplicate) == 0
    closed = load(app, duplicate)
    assert closed.status == Status.CLOSED and closed.merged_into_id == target.id
    page = signed_in(app, desk.agent).get(target.staff_path).text
    assert "Second message" in page and f"merged request #{duplicate.number} into this one" in page


def make_canned(app, department_id, title, body) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        reply = CannedReply(department_id=department_id, title=title, body=body)
        db.session.add(reply)
        db.session.commit()
        return reply.id


def test_canned_replies_are_filled_on_the_server(app, desk, open_request):
    """Placeholders take the request's and the agent's values; braces otherwise stay text."""
    record = open_request(by=desk.customer)
    body = "Hi {customer_name}, about {request_number}: {agent_name} {0.__class__} {nope}"
    canned_id = make_canned(app, None, "Greeting", body)
    other_id = make_canned(app, desk.billing_id, "Invoice sent", "Billing only")
    client = signed_in(app, desk.agent)
    answer = client.post_form(
        f"{record.staff_path}/canned", {"canned": canned_id}, headers={"Accept": "application/json"}
    )
    assert answer.json["text"] == (
        f"Hi Casey Customer, about {record.number}: Ada Agent {{0.__class__}} {{nope}}"
    )
    page = client.get(record.staff_path).text
    assert "Greeting" in page and "Invoice sent" not in page  # other departments' stay out
    no_js = client.post_form(
        f"{record.staff_path}/canned", {"canned": canned_id, "body": "Typed first.", "then": "open"}
    )
    assert no_js.status_code == 200
    assert "Typed first.\n\nHi Casey Customer" in no_js.text
    for bad in (other_id, "abc", "", 10**12):
        refused = client.post_form(f"{record.staff_path}/canned", {"canned": bad, "body": "x"})
        assert refused.status_code == 422 and "Choose a canned reply from the list." in refused.text
    assert message_count(app, record) == 1


def test_an_answer_becomes_a_knowledge_base_draft_once(app, desk, open_request, make_user):
    """An editor-agent drafts an article from an answer once; other messages and agents may not."""
    writer = make_user("writer@example.com", display_name="Wren Writer",
                       roles=[Role.AGENT, Role.EDITOR])  # fmt: skip
    with app.app_context():
        db.session.add(AgentMembership(user_id=writer.id, department_id=desk.returns_id))
        db.session.commit()
    record = open_request("How do I descale the kettle?", by=desk.customer)
    with acting(app, desk.agent) as agent:
        answer = working.agent_reply(row(record), "Use citric acid, then rinse.", by=agent)
        answer_id = answer.id
        first_id = db.session.scalar(
            select(SupportMessage.id).where(SupportMessage.kind == MessageKind.CUSTOMER)
        )
    client = signed_in(app, writer)
    assert "Turn this answer into a knowledge-base draft" in client.get(record.staff_path).text
    made = client.post_form(f"{record.staff_path}/messages/{answer_id}/kb-draft")
    assert made.status_code == 303 and "/kb/articles/" in made.headers["Location"]
    again = client.post_form(f"{record.staff_path}/messages/{answer_id}/kb-draft")
    assert again.headers["Location"] == made.headers["Location"]
    with app.app_context():
        [article] = db.session.scalars(select(Article)).all()
        assert article.title == "How do I descale the kettle?" and article.status == "draft"
        assert article.body == "Use citric acid, then rinse."
    refused = client.post_form(f"{record.staff_path}/messages/{first_id}/kb-draft")
    assert refused.status_code == 303 and refused.headers["Location"].endswith(record.number)
    assert "Only an answer to the customer" in client.get(record.staff_path).text
    as_json = client.post_form(
        f"{record.staff_path}/messages/{first_id}/kb-draft", headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 422 and as_json.json["error"]["field"] == "message"
    plain = signed_in(app, desk.agent)
    assert "Turn this answer into" not in plain.get(record.staff_path).text
    assert plain.post_form(f"{record.staff_path}/messages/{answer_id}/kb-draft").status_code == 403


def test_the_live_fragment_brings_only_what_is_new(app, desk, open_request):
    """After the ids a page shows: the new messages and events, never cached."""
    record = open_request(by=desk.customer)
    client = signed_in(app, desk.agent)
    shown = client.get(f"{record.staff_path}/messages").json
    add_note(app, desk.agent, record, "Fresh note")
    with acting(app, desk.lead) as lead:
        working.agent_reply(row(record), "Fresh answer", by=lead)
    fresh = client.get(
        f"{record.staff_path}/messages?after={shown['last_message']}"
        f"&events_after={shown['last_event']}"
    )
    assert fresh.headers["Cache-Control"] == "no-store"
    html = fresh.json["html"]
    assert "Fresh note" in html and "Fresh answer" in html and "The lid is cracked" not in html
    assert "Leo Lead took the request." in html  # names of people the events mention
    assert fresh.json["last_message"] > shown["last_message"]
    assert fresh.json["version"] == load(app, record).version


def test_the_request_page_costs_the_same_at_any_size(app, desk, open_request):
    """The SQL statements of a request page do not grow with the number of requests."""
    client = signed_in(app, desk.agent)

    def add(count: int) -> object:
        made = None
        for n in range(count):
            made = open_request(f"Request {n}", by=desk.customer)
            with acting(app, desk.agent) as agent:
                working.agent_reply(row(made), f"Answer {n}", by=agent)
            add_note(app, desk.agent, made, f"Note {n}")
        return made

    first = add(2)
    add_order(app, desk.customer, "SO-1", "SF0000000001")
    client.get(first.staff_path)
    with statements(app) as few:
        assert client.get(first.staff_path).status_code == 200
    add(20)
    add_order(app, desk.customer, "SO-2", "SF0000000002")
    with statements(app) as many:
        assert client.get(first.staff_path).status_code == 200
    assert len(few) == len(many)
    # 4 are every page's (the user, their roles, two navigation badges); the rest are the
    # page's own: see support.services.staff_pages.
    assert len(many) <= 17, many
