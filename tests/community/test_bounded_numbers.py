"""Numbers from a request stay within what the database holds: a huge or negative id, page
or cursor gives a page, a 404 or an error naming the field, never a 500 (on both databases)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, BaseConverter, IntegerConverter, PathConverter, Rule

from community.errors import InvalidInput
from community.extensions import db, socketio
from community.numbers import MAX_ID, bounded_int
from community.paging import MAX_PAGE, page_arg
from community.seeding import DEMO_PASSWORD
from forum.models import Topic
from support.models import SupportRequest
from vip.models import VipConversation

BAD = (2**63, 10**30, -1)
# Every query parameter any view reads as a number, and the usual paging names.
QUERY_NUMBERS = (
    "page",
    "before",
    "after",
    "limit",
    "per_page",
    "since",
    "from",
    "to",
    "days",
    "department",
    "assignee",
    "topic",
    "quote",
    "post",
    "events_after",
)
PAGING = ("page", "before", "after", "limit", "per_page", "since")
START = (
    "/",
    "/kb/",
    "/kb/manage",
    "/kb/manage/categories",
    "/forum/",
    "/forum/moderation",
    "/forum/notifications",
    "/account/",
    "/account/shipments",
    "/account/orders",
    "/account/requests",
    "/support/",
    "/manager/",
    "/manager/announcements",
    "/vip/",
    "/admin/",
    "/admin/users",
    "/admin/outbox",
    "/admin/vip",
    "/service",
)
HREF = re.compile(r'href="(/[^"#?]*)')
# A visitor, the admin (who holds every staff role, the agent's and the manager's included)
# and a VIP (whose club pages no staff role opens).
PEOPLE = (None, "admin@example.com", "vip@example.com")


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The demo data of `seed-demo`: an article, a topic, shipments, a VIP, a request…"""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def client_as(app: Flask, email: str | None) -> Any:
    client = app.test_client()
    if email is not None:
        client.login(email, DEMO_PASSWORD)
    return client


def real_values(app: Flask, client: Any) -> dict[str, dict[str, Any]]:
    """One real address's values per GET endpoint, found by following the pages' links."""
    adapter = app.url_map.bind("portal.test")
    found: dict[str, dict[str, Any]] = {}
    queue = list(START)
    while queue:
        response = client.get(queue.pop(0))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            try:
                endpoint, values = adapter.match(html.unescape(href), method="GET")
            except HTTPException:
                continue
            if endpoint != "static" and endpoint not in found:
                found[endpoint] = values
                queue.append(html.unescape(href))
    return found


def placeholder(converter: BaseConverter) -> Any:
    """A value of the right shape for a slot the walk found no real address for."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "demo.txt" if isinstance(converter, PathConverter) else "demo"


def int_slots(rule: Rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


def path_of(rule: Rule, values: dict[str, Any]) -> str:
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def addresses(app: Flask, known: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, bool]]:
    """(method, address, huge id in the path) for every route: each int slot set to each bad
    number, and every GET route's numeric query parameters set to each."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        example = known.get(rule.endpoint, {})
        values = {
            name: example.get(name, placeholder(conv)) for name, conv in rule._converters.items()
        }
        for slot in int_slots(rule):
            for bad in BAD:
                for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                    yield method, path_of(rule, {**values, slot: bad}), True
        if "GET" not in (rule.methods or set()):
            continue
        path = path_of(rule, values)
        for bad in BAD:
            yield "GET", path + "?" + urlencode(dict.fromkeys(QUERY_NUMBERS, bad)), False
        for name in PAGING:
            yield "GET", path + "?" + urlencode({name: 2**63}), False


def test_every_route_survives_huge_and_negative_numbers(demo):
    """Every route, as a visitor, the admin and a VIP: a number past a 64-bit or a
    32-bit id, or below zero, in an address or a query gives no 5xx; in an `<int:…>` slot, 404.

    On PostgreSQL, whose integer columns refuse such numbers (SQLite stores any size), and
    where the address rule and the parsers are the same code."""
    if demo.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite takes numbers of any size: PostgreSQL is where they fail")
    failures = []
    for email in PEOPLE:
        client = client_as(demo, email)
        known = real_values(demo, client)
        for method, address, in_path in addresses(demo, known):
            try:
                status = client.open(address, method=method).status_code
            except Exception as error:  # TESTING propagates what would be a 500
                failures.append((email, method, address, repr(error)[:200]))
                continue
            if status >= 500 or (in_path and status != 404):
                failures.append((email, method, address, status))
    assert failures == []


def test_the_walk_reaches_the_pages_that_read_numbers(demo):
    """The walk finds real addresses, so pages behind a slug are read with their numbers."""
    known = real_values(demo, client_as(demo, "admin@example.com"))
    for endpoint in ("kb.category", "kb.article", "forum.category", "forum.topic", "kb.history"):
        assert endpoint in known


def test_a_topic_number_past_an_id_is_not_found(app, client):
    """`/forum/t/99999999999999999999` and friends are 404 pages, on both databases."""
    for address in (
        "/forum/t/99999999999999999999",
        f"/forum/t/{2**31}",
        f"/forum/t/{2**31}/slug",
        f"/admin/users/{2**63}",
        f"/manager/conversations/{10**30}",
        "/forum/t/" + "9" * 5000,
    ):
        assert client.get(address).status_code == 404, address


def test_list_pages_past_the_end_show_a_page(demo):
    """A page number past the end, below one or not a number lists a page (200)."""
    admin, visitor = client_as(demo, "admin@example.com"), client_as(demo, None)
    for page in (str(2**63), str(10**30), "-1", "0", "x", "1e3", "１２"):
        for address in ("/admin/users", "/admin/outbox", "/kb/manage", "/account/shipments"):
            assert admin.get(f"{address}?page={page}").status_code == 200, (address, page)
        assert visitor.get(f"/kb/search?q=order&page={page}").status_code == 200, page


# The helper itself -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("+7", 7),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (2**63, None),
        (str(10**30), None),
        ("0", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("abc", None),
        ("1.5", None),
        ("1e3", None),
        ("１２", None),  # full-width digits are not what a link or a form sends
        ("٣", None),
        ("1_000", None),
        (True, None),
        (1.0, None),
        ("9" * 5000, None),
        ([1], None),
    ],
)
def test_a_number_outside_an_id_gives_the_default(value, expected):
    """Anything but a whole number from 1 to 2**31-1 gives the caller's default."""
    assert bounded_int(value, field="id", default=None) == expected


def test_without_a_default_a_bad_number_names_its_field(app):
    """With no default, a bad number raises InvalidInput naming the field and the range."""
    with app.test_request_context():
        with pytest.raises(InvalidInput) as raised:
            bounded_int(str(10**30), field="up_to")
        assert raised.value.field == "up_to"
        assert str(MAX_ID) in raised.value.message
        assert bounded_int("-5", field="n", low=-10, high=10) == -5


def test_pages_are_clamped_into_range(app):
    """`page` below one is the first page; past the cap, the cap (an empty page, never 500)."""
    for query, expected in (
        ("page=-1", 1),
        ("page=0", 1),
        ("page=x", 1),
        ("", 1),
        ("page=3", 3),
        (f"page={2**63}", MAX_PAGE),
    ):
        with app.test_request_context("/?" + query):
            assert page_arg() == expected, query
    with app.test_request_context(f"/?page={10**30}"):
        assert page_arg(high=50) == 50


# Socket events and JSON fields --------------------------------------------------------------
def vip_socket(app: Flask, email: str) -> Any:
    return socketio.test_client(app, namespace="/vip", flask_test_client=client_as(app, email))


def test_vip_events_refuse_numbers_past_an_id_naming_the_field(demo):
    """`read` with `up_to` of 10**30 and `send` to conversation 2**31 are 422s naming the
    field; an id in range that names nothing is a 404, and a real read still works."""
    client, manager = vip_socket(demo, "vip@example.com"), vip_socket(demo, "manager@example.com")
    for bad in (10**30, 2**31, 2**63, 0, -1):
        answer = client.emit("read", {"up_to": bad}, namespace="/vip", callback=True)
        assert answer["ok"] is False and answer["error"]["code"] == 422
        assert answer["error"]["field"] == "up_to"
        answer = manager.emit(
            "send", {"conversation": bad, "body": "hi"}, namespace="/vip", callback=True
        )
        assert answer["ok"] is False and answer["error"]["field"] == "conversation"
    answer = manager.emit(
        "send", {"conversation": MAX_ID, "body": "hi"}, namespace="/vip", callback=True
    )
    assert answer["error"]["code"] == 404
    assert client.emit("read", {"up_to": MAX_ID}, namespace="/vip", callback=True)["ok"] is True
    client.disconnect(namespace="/vip")
    manager.disconnect(namespace="/vip")


def test_vip_history_cursor_and_limit_out_of_range_are_422(demo):
    """The history JSON names `before` or `limit` when either is past its range."""
    with demo.app_context():
        conversation_id = db.session.scalar(select(VipConversation.id))
    client = client_as(demo, "vip@example.com")
    address = f"/vip/conversations/{conversation_id}/messages"
    for query, field in (
        (f"before={2**31}", "before"),
        (f"before={10**30}", "before"),
        ("before=-1", "before"),
        (f"limit={2**63}", "limit"),
    ):
        response = client.get(f"{address}?{query}")
        assert response.status_code == 422, query
        assert [item["field"] for item in response.json["error"]["fields"]] == [field]
    assert client.get(f"{address}?before={MAX_ID}").status_code == 200
    page = client.get(f"/vip/?before={2**31}")  # a cursor past any id: the latest messages
    assert page.status_code == 200 and "Good luck with the opening" in page.get_data(as_text=True)


def test_forum_socket_refuses_a_topic_past_an_id(demo):
    """A live topic page naming topic 2**31 (or 2**63) is refused, a real topic admitted."""
    with demo.app_context():
        topic_id = db.session.scalar(
            select(Topic.id).where(Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))
        )
    for bad in (2**31, 2**63, 10**30, MAX_ID):
        socket = socketio.test_client(demo, namespace="/forum", auth={"topic": bad})
        assert not socket.is_connected("/forum"), bad
    socket = socketio.test_client(demo, namespace="/forum", auth={"topic": topic_id})
    assert socket.is_connected("/forum")
    socket.disconnect(namespace="/forum")


def test_support_socket_answers_a_number_too_long_with_its_field(demo):
    """Staff joining request "9"×20 hear 404; 21 digits or an int is a 422 naming `number`."""
    socket = socketio.test_client(
        demo, namespace="/support", flask_test_client=client_as(demo, "agent@example.com")
    )
    answer = socket.emit("join_request", {"number": "9" * 20}, namespace="/support", callback=True)
    assert answer["error"]["code"] == 404
    for bad in ("9" * 21, 10**30, "-1"):
        answer = socket.emit("join_request", {"number": bad}, namespace="/support", callback=True)
        assert answer["error"]["code"] == 422 and answer["error"]["field"] == "number", bad
    socket.disconnect(namespace="/support")


def test_api_fields_past_their_range_are_named(demo):
    """The search API names `page` or `limit` past their range with a 422."""
    client = demo.test_client()
    for query, field in (
        (f"page={2**63}", "page"),
        (f"limit={10**30}", "limit"),
        ("page=-1", "page"),
    ):
        response = client.get(f"/api/v1/search?q=order&{query}")
        assert response.status_code == 422, query
        assert [item["field"] for item in response.json["error"]["fields"]] == [field]


# Forms ---------------------------------------------------------------------------------------
def test_staff_forms_refuse_ids_past_a_row(demo):
    """Moving a request to department 10**30 or assigning agent 2**63 is a form error."""
    with demo.app_context():
        number = db.session.scalar(select(SupportRequest.number))
    agent = client_as(demo, "agent@example.com")
    for action, data in (
        ("department", {"department": str(10**30)}),
        ("assign", {"assignee": str(2**63)}),
        ("canned", {"canned": str(2**31), "body": ""}),
    ):
        response = agent.post_form(f"/support/requests/{number}/{action}", data)
        assert response.status_code in (302, 303, 422), (action, response.status_code)
        assert response.status_code < 500


def test_new_request_form_refuses_a_topic_past_an_id(demo):
    """A new request naming topic 10**30 (or a forum topic 2**63) is refused, not a 500."""
    customer = client_as(demo, "customer@example.com")
    response = customer.post_form(
        "/support/new", {"topic": str(10**30), "subject": "Where is it", "body": "Hello there"}
    )
    assert response.status_code == 422
    assert customer.get(f"/support/new?topic={2**63}").status_code == 404
    assert customer.get(f"/support/deflect?url=/kb/&key=x&topic={10**30}").status_code == 303


def test_a_category_position_past_its_range_is_a_form_error(demo):
    """A KB category with position 10**30 is refused beside the field (422)."""
    admin = client_as(demo, "admin@example.com")
    response = admin.post_form(
        "/kb/manage/categories/new", {"name": "Returns desk", "position": str(10**30)}
    )
    assert response.status_code == 422
