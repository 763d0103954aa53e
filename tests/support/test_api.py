"""The support API: opening a request and writing on a customer's behalf, reading their
requests (never an internal note), and every refusal, with the tracking API's token and
error shapes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.accounts.models import User
from community.api.services import create_token
from community.extensions import db
from support.models import SupportMessage, SupportRequest
from support.services import working
from tests.community.outbox_helpers import queued_to
from tests.support.conftest import load

REQUESTS = "/api/v1/requests"


@pytest.fixture
def api(app, client):
    """Call the API with a fresh bearer token: `api("post", url, json=...)`."""
    with app.app_context():
        _token, secret = create_token("phone desk")

    def call(method: str, url: str, **kwargs):
        headers = {"Authorization": f"Bearer {secret}", **kwargs.pop("headers", {})}
        return getattr(client, method)(url, headers=headers, **kwargs)

    return call


def payload(**changes):
    body = {
        "email": "Mia@Example.com",
        "name": "Mia Müller",
        "subject": "我的发票在哪里？",
        "body": "I need the **fapiao** for order 1042.",
        "topic": "invoice",
        "priority": "high",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", REQUESTS),
        ("get", REQUESTS + "?email=a@example.com"),
        ("post", REQUESTS + "/100001/messages"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer pt_wrong", "Basic abc", "Bearer "])
def test_a_missing_or_wrong_token_gets_401(client, desk, method, url, header):
    """Without a valid bearer token every support endpoint answers 401 and stores nothing."""
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(url, json=payload(), headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_open_a_request_on_a_customers_behalf(app, desk, api):
    """201 with the request; the topic decides the department; the customer is acknowledged."""
    response = api("post", REQUESTS, json=payload())
    assert response.status_code == 201
    body = response.json
    assert body["subject"] == "我的发票在哪里？"
    assert body["department"] == "billing" and body["priority"] == "high"
    assert body["requester_email"] == "mia@example.com" and body["requester_name"] == "Mia Müller"
    assert body["status"] == "new" and body["first_reply_due_at"]
    assert body["messages"] == [
        {
            "body_text": "I need the **fapiao** for order 1042.",
            "created_at": body["messages"][0]["created_at"],
            "author": "Mia Müller",
            "kind": "customer",
        }
    ]
    assert response.headers["Location"].endswith("/api/v1/requests?email=mia@example.com")
    with app.app_context():
        stored = db.session.scalar(select(SupportRequest))
        assert stored.channel == "api" and stored.requester_id is None
    assert any(body["number"] in row.subject for row in queued_to(app, "mia@example.com"))


def test_a_request_for_a_confirmed_account_joins_their_requests(app, desk, api, make_user):
    """An address with a confirmed account gets the request on its /account/requests."""
    member = make_user("member@example.com")
    make_user("squatter@example.com", confirmed=False)
    api("post", REQUESTS, json=payload(email="Member@example.com"))
    api("post", REQUESTS, json=payload(email="squatter@example.com"))
    with app.app_context():
        rows = db.session.execute(
            select(SupportRequest.requester_email, SupportRequest.requester_id)
        )
        owners = dict(rows.all())
    assert owners == {"member@example.com": member.id, "squatter@example.com": None}


def test_a_department_key_decides_without_a_topic(app, desk, api):
    """Without a topic the department key routes the request; without either, the first."""
    assert (
        api("post", REQUESTS, json=payload(topic=..., department="billing")).json["department"]
        == "billing"
    )
    assert api("post", REQUESTS, json=payload(topic=...)).json["department"] == "returns"


def test_list_a_customers_requests_without_internal_notes(app, desk, api, open_request):
    """GET ?email= answers every request of the address, newest first, with the messages the
    customer sees: no notes."""
    first = open_request("Lid cracked", email="mia@example.com")
    second = open_request("Wrong colour", email="mia@example.com")
    open_request("Not hers", email="other@example.com")
    with app.app_context():
        found = db.session.get(SupportRequest, first.id)
        agent = db.session.get(User, desk.agent.id)
        working.add_note(found, "Internal: she called twice", by=agent)
        working.agent_reply(found, "A new lid is on its way.", by=agent)
    response = api("get", REQUESTS + "?email=MIA@example.com")
    assert response.status_code == 200
    listed = response.json["requests"]
    assert [item["number"] for item in listed] == [second.number, first.number]
    texts = [message["body_text"] for message in listed[1]["messages"]]
    assert texts == ["The lid is cracked. Can I send it back?", "A new lid is on its way."]
    assert [message["kind"] for message in listed[1]["messages"]] == ["customer", "agent"]
    assert listed[1]["messages"][1]["author"] == "Ada Agent"
    assert "Internal" not in response.get_data(as_text=True)
    assert set(listed[0]) >= {
        "number", "subject", "status", "department", "requester_email", "requester_name",
        "messages",
    }  # fmt: skip
    assert api("get", REQUESTS + "?email=nobody@example.com").json == {"requests": []}


@pytest.mark.parametrize("query", ["", "?email=", "?email=not-an-address", "?email=a%01@b.com"])
def test_listing_needs_a_valid_address(desk, api, query):
    """A missing or malformed address is a 422 naming `email`."""
    response = api("get", REQUESTS + query)
    assert response.status_code == 422
    assert response.json["error"]["fields"][0]["field"] == "email"


def test_add_a_customer_message(app, desk, api, open_request):
    """The message joins the request as the customer's; a waiting request runs again."""
    record = open_request(email="mia@example.com")
    response = api("post", f"{REQUESTS}/{record.number}/messages", json={"body": "Any news?"})
    assert response.status_code == 201
    assert response.json["message"]["kind"] == "customer"
    assert response.json["message"]["body_text"] == "Any news?"
    assert load(app, record).message_count == 2


def test_a_message_to_a_closed_or_unknown_request_is_refused(app, desk, api, open_request):
    """Unknown numbers are 404 (also absurd ones); a closed request refuses with 403."""
    assert api("post", f"{REQUESTS}/999999/messages", json={"body": "x"}).status_code == 404
    assert api("post", f"{REQUESTS}/{'9' * 400}/messages", json={"body": "x"}).status_code == 404
    assert api("post", f"{REQUESTS}/abc/messages", json={"body": "x"}).status_code == 404
    record = open_request(email="mia@example.com")
    with app.app_context():
        found = db.session.get(SupportRequest, record.id)
        working.set_status(found, "closed", by=db.session.get(User, desk.agent.id))
    closed = api("post", f"{REQUESTS}/{record.number}/messages", json={"body": "Hello?"})
    assert closed.status_code == 403
    assert "open a new one" in closed.json["error"]["message"]
    assert load(app, record).message_count == 1


def test_wrong_content_type_malformed_and_deeply_nested_json(app, desk, api, open_request):
    """415 for a form body, 400 for broken JSON and for JSON nested beyond parsing."""
    record = open_request(email="mia@example.com")
    for url in (REQUESTS, f"{REQUESTS}/{record.number}/messages"):
        assert api("post", url, data="subject=x").status_code == 415
        broken = api("post", url, data='{"subject": ', headers={"Content-Type": "application/json"})
        assert broken.status_code == 400
        deep = api(
            "post",
            url,
            data="[" * 100_000 + "]" * 100_000,
            headers={"Content-Type": "application/json"},
        )
        assert deep.status_code == 400
        nested = api("post", url, json={"body": [[[[[["x"]]]]]], "subject": {"a": {"b": {}}}})
        assert nested.status_code == 422
    assert count(app, SupportMessage) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": ...}, "email"),
        ({"email": "not an address"}, "email"),
        ({"email": 42}, "email"),
        ({"subject": ...}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "two\nlines"}, "subject"),
        ({"subject": "null\x00byte"}, "subject"),
        ({"subject": ["a list"]}, "subject"),
        ({"body": ...}, "body"),
        ({"body": 12345}, "body"),
        ({"body": "nul \x00 inside"}, "body"),
        ({"body": "x" * 50_001}, "body"),
        ({"name": "Mia\x00"}, "name"),
        ({"name": True}, "name"),
        ({"priority": "whenever"}, "priority"),
        ({"priority": 1}, "priority"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"topic": "../../etc"}, "topic"),
        ({"topic": 99999999999999999999}, "topic"),
        ({"department": "nowhere"}, "department"),
    ],
)
def test_each_bad_field_is_a_422_that_names_it(app, desk, api, changes, field):
    """Missing, wrong-typed, too long, NUL bytes, unknown topic: 422 naming the field, and
    nothing stored."""
    response = api("post", REQUESTS, json=payload(**changes))
    assert response.status_code == 422
    assert field in [item["field"] for item in response.json["error"]["fields"]]
    assert count(app, SupportRequest) == 0


def test_an_invisible_subject_is_refused_by_the_service(app, desk, api):
    """Text made only of zero-width characters passes the schema and is refused as empty."""
    response = api("post", REQUESTS, json=payload(subject="\u200b\u200b"))
    assert response.status_code == 422
    assert response.json["error"]["fields"][0]["field"] == "subject"
    assert count(app, SupportRequest) == 0


def test_a_message_body_must_be_text(app, desk, api, open_request):
    """The message endpoint names a missing, empty or NUL-carrying body."""
    record = open_request(email="mia@example.com")
    url = f"{REQUESTS}/{record.number}/messages"
    for body in ({}, {"body": ""}, {"body": "a\x00b"}, {"body": None}, {"body": ["x"]}):
        response = api("post", url, json=body)
        assert response.status_code == 422
        assert response.json["error"]["fields"][0]["field"] == "body"
    assert load(app, record).message_count == 1


def test_the_api_is_rate_limited_per_token(make_app, desk):
    """Past RATE_LIMIT_API the token gets 429."""
    limited = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT_API="2 per minute")
    with limited.app_context():
        _token, secret = create_token("busy")
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    codes = [
        client.get(REQUESTS + "?email=a@example.com", headers=headers).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_the_openapi_document_describes_the_support_api(client, desk):
    """Every support route, its body, answers and errors are in /api/openapi.json."""
    document = client.get("/api/openapi.json").json
    paths = document["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/requests"])
    assert "post" in paths["/api/v1/requests/{number}/messages"]
    assert {"401", "422", "429"} <= set(paths["/api/v1/requests"]["post"]["responses"])
    schemas = document["components"]["schemas"]
    assert {"RequestIn", "RequestOut", "RequestsOut", "MessageIn", "MessageOut"} <= set(schemas)
    assert set(schemas["RequestIn"]["required"]) == {"email", "subject", "body"}
