"""The history JSON the conversation page loads as the reader scrolls up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community.accounts.models import Role
from community.db import utcnow
from tests.helpers import logged_in
from tests.vip.conftest import make_overdue, post


def url(conversation_id: int, **query) -> str:
    params = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/vip/conversations/{conversation_id}/messages" + (f"?{params}" if params else "")


def test_history_pages_backwards_with_a_cursor_until_the_first_message(app, pair):
    """Newest page first; `next_before` walks back; every message once, oldest first."""
    start = utcnow() - timedelta(hours=3)
    ids = [
        post(app, pair.client, pair.conversation_id, f"m{n}", at=start + timedelta(minutes=n))
        for n in range(65)
    ]
    client = logged_in(app, pair.client)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = {"before": cursor} if cursor else {}
        body = client.get(url(pair.conversation_id, **query)).get_json()
        page_ids = [message["id"] for message in body["messages"]]
        assert page_ids == sorted(page_ids)
        seen = page_ids + seen
        pages += 1
        if not body["has_more"]:
            assert body["next_before"] is None
            break
        cursor = body["next_before"]
    assert seen == ids and pages == 3
    first = client.get(url(pair.conversation_id, limit=1)).get_json()["messages"][0]
    assert first["html"] == "<p>m64</p>" and first["author"]["name"] == pair.client.display_name


@pytest.mark.parametrize(
    ("query", "field"),
    [({"before": "abc"}, "before"), ({"before": 0}, "before"), ({"limit": 1000}, "limit"),
     ({"room": "x"}, "room")],
    ids=["text-cursor", "zero-cursor", "huge-limit", "unknown-parameter"],
)  # fmt: skip
def test_bad_query_parameters_are_a_422_naming_the_field(app, pair, query, field):
    """JSON error with `fields` naming the parameter, never a 500."""
    response = logged_in(app, pair.client).get(url(pair.conversation_id, **query))
    assert response.status_code == 422
    assert [item["field"] for item in response.get_json()["error"]["fields"]] == [field]


def test_history_needs_a_login(app, pair):
    """Anonymous: a JSON 401, not a redirect to a login page."""
    response = app.test_client().get(url(pair.conversation_id))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == 401


def test_history_of_someone_elses_conversation_is_404(app, make_pair, make_user):
    """Another VIP, another manager, a customer: 404."""
    a, b = make_pair(), make_pair()
    post(app, b.client, b.conversation_id, "private")
    for user in (a.client, a.manager, make_user(), make_user(roles=[Role.ADMIN])):
        response = logged_in(app, user).get(url(b.conversation_id))
        assert response.status_code == 404, user
        assert "private" not in response.get_data(as_text=True)


def test_the_backup_reads_history_only_after_the_promise(app, pair):
    """403 before the promise passes, 200 after."""
    post(app, pair.client, pair.conversation_id, "waiting")
    backup = logged_in(app, pair.backup)
    assert backup.get(url(pair.conversation_id)).status_code == 403
    make_overdue(app, pair.conversation_id)
    assert backup.get(url(pair.conversation_id)).status_code == 200


def test_reading_history_does_not_mark_it_read(app, pair):
    """Loading older pages is not reading the new ones."""
    post(app, pair.manager, pair.conversation_id, "unread")
    body = logged_in(app, pair.client).get(url(pair.conversation_id)).get_json()
    assert body["messages"][0]["read_at"] is None


def test_the_history_endpoint_is_in_the_openapi_document(client):
    """Described, with its cursor and its errors."""
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/vip/conversations/{conversation_id}/messages"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "conversation_id",
        "before",
        "limit",
    }
    assert "VipMessage" in document["components"]["schemas"]
