"""The `/support` Socket.IO namespace: who may connect and join which room, what the rooms
hear, presence among staff only, and bad payloads answered without a crash."""

from __future__ import annotations

from collections import defaultdict

import pytest

from community.extensions import socketio
from support.models import Status
from support.services import working
from tests.helpers import badge_counts, badge_pushes, badge_socket
from tests.support.staff_helpers import acting, row, signed_in

NAMESPACE = "/support"


@pytest.fixture
def socket_for(app):  # type: ignore[no-untyped-def]
    """A Socket.IO test client on `/support` with `person`'s session (None: a visitor)."""
    clients = []

    def factory(person):  # type: ignore[no-untyped-def]
        client = socketio.test_client(
            app, namespace=NAMESPACE, flask_test_client=signed_in(app, person)
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        if client.is_connected(NAMESPACE):
            client.disconnect(namespace=NAMESPACE)


def drain(client) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """What the socket received since the last call, payloads by event name."""
    received: dict[str, list] = defaultdict(list)
    for item in client.get_received(NAMESPACE):
        received[item["name"]].append(item["args"][0] if item["args"] else None)
    return received


def join(client, number):  # type: ignore[no-untyped-def]
    return client.emit("join_request", {"number": number}, namespace=NAMESPACE, callback=True)


def presence(client, payload):  # type: ignore[no-untyped-def]
    return client.emit("presence", payload, namespace=NAMESPACE, callback=True)


def test_visitors_may_only_join_a_request_they_follow(app, socket_for, open_request, desk):
    """Without a login, the inbox is refused and a request not opened by its follow link too."""
    record = open_request(by=None, email="visitor@example.com")
    visitor = socket_for(None)
    assert visitor.is_connected(NAMESPACE)
    inbox = visitor.emit("join_inbox", namespace=NAMESPACE, callback=True)
    assert inbox["ok"] is False and inbox["error"]["code"] == 401
    refused = join(visitor, record.number)
    assert refused["ok"] is False and refused["error"]["code"] == 404
    assert not drain(visitor).get("watching")


def test_the_requester_and_the_departments_staff_join_a_request(
    app, desk, socket_for, open_request
):
    """The customer joins their own request (no staff room); an agent joins both."""
    record = open_request(by=desk.customer)
    customer, agent = socket_for(desk.customer), socket_for(desk.agent)
    mine = join(customer, record.number)
    assert mine["ok"] and mine["staff"] is False and mine["number"] == record.number
    staff = join(agent, record.number)
    assert staff["ok"] and staff["staff"] is True
    assert drain(agent)["watching"][0]["version"] == staff["version"]


def test_others_are_refused_a_request(app, desk, socket_for, open_request, make_user):
    """Another customer hears 404, an agent of another department 403; neither joins."""
    record = open_request(by=desk.customer)
    stranger = socket_for(make_user())
    answer = join(stranger, record.number)
    assert answer["ok"] is False and answer["error"]["code"] == 404
    assert join(stranger, "999999")["error"]["code"] == 404
    assert drain(stranger)["support_error"][0]["event"] == "join_request"
    outsider = socket_for(desk.outsider)
    assert join(outsider, record.number)["error"]["code"] == 403
    drain(stranger), drain(outsider)
    add_note(app, desk.agent, record, "Private")
    assert drain(stranger)["request_changed"] == [] and drain(outsider)["request_changed"] == []


def add_note(app, person, record, body):  # type: ignore[no-untyped-def]
    with acting(app, person) as user:
        working.add_note(row(record), body, by=user)


def test_request_changes_reach_the_room_as_numbers_only(app, desk, socket_for, open_request):
    """A note tells the customer's page that something changed, never what: no text at all."""
    record = open_request(by=desk.customer)
    customer = socket_for(desk.customer)
    join(customer, record.number)
    drain(customer)
    add_note(app, desk.agent, record, "SECRET-NOTE for staff")
    [pushed] = drain(customer)["request_changed"]
    assert set(pushed) == {"number", "version", "status"}
    assert "SECRET" not in repr(pushed)


def test_agents_hear_their_inbox_change(app, desk, socket_for, open_request):
    """Agents hear new requests of their departments in their own room; customers may not join."""
    agent, outsider = socket_for(desk.agent), socket_for(desk.outsider)
    assert agent.emit("join_inbox", namespace=NAMESPACE, callback=True)["ok"] is True
    outsider.emit("join_inbox", namespace=NAMESPACE, callback=True)
    drain(agent), drain(outsider)
    record = open_request()
    assert drain(agent)["inbox_changed"] == [{"number": record.number, "status": Status.NEW}]
    assert drain(outsider)["inbox_changed"] == []
    customer = socket_for(desk.customer)
    refused = customer.emit("join_inbox", namespace=NAMESPACE, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == 403


def test_presence_reaches_other_staff_with_the_sessions_name(app, desk, socket_for, open_request):
    """Viewing and typing go to the other staff on the request, named from the session."""
    record = open_request(by=desk.customer)
    agent, lead, customer = socket_for(desk.agent), socket_for(desk.lead), socket_for(desk.customer)
    for client in (agent, lead, customer):
        join(client, record.number)
        drain(client)
    assert presence(agent, {"number": record.number, "state": "typing"})["ok"] is True
    [heard] = drain(lead)["presence"]
    assert heard == {
        "number": record.number,
        "user": desk.agent.id,
        "name": "Ada Agent",
        "state": "typing",
    }
    assert drain(agent)["presence"] == []  # not echoed to the sender
    assert drain(customer)["presence"] == []  # never to the customer


def test_presence_cannot_be_forged_or_sent_unjoined(app, desk, socket_for, open_request):
    """A name in the payload is refused; presence on a request not joined as staff is 403."""
    record = open_request(by=desk.customer)
    agent, lead, customer = socket_for(desk.agent), socket_for(desk.lead), socket_for(desk.customer)
    join(lead, record.number)
    drain(lead)
    forged = presence(agent, {"number": record.number, "state": "viewing", "name": "The CEO"})
    assert forged["ok"] is False and forged["error"]["field"] == "name"
    unjoined = presence(agent, {"number": record.number, "state": "viewing"})
    assert unjoined["error"]["code"] == 403
    join(customer, record.number)
    assert presence(customer, {"number": record.number, "state": "typing"})["error"]["code"] == 403
    assert drain(lead)["presence"] == []


def test_closing_the_page_says_left(app, desk, socket_for, open_request):
    """A staff connection that closes tells the others it left."""
    record = open_request()
    agent, lead = socket_for(desk.agent), socket_for(desk.lead)
    join(agent, record.number), join(lead, record.number)
    drain(lead)
    agent.disconnect(namespace=NAMESPACE)
    assert [item["state"] for item in drain(lead)["presence"]] == ["left"]


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        ("join_request", None, "data"),
        ("join_request", "100001", "data"),
        ("join_request", 100001, "data"),
        ("join_request", {"number": 100001}, "number"),
        ("join_request", {"number": "1" * 30}, "number"),
        ("join_request", {"number": "-5"}, "number"),
        ("join_request", {"number": "12\x0034"}, "number"),
        ("join_request", {"number": ["1"]}, "number"),
        ("join_request", {"number": "100001", "room": "support-agent:1"}, "room"),
        ("presence", {"number": "100001", "state": "dancing"}, "state"),
        ("presence", {"number": "100001"}, "state"),
        ("presence", {"number": 10**30, "state": "typing"}, "number"),
        ("join_inbox", {"user": 1}, "data"),
    ],
)
def test_bad_payloads_are_answered_not_crashed(
    app, desk, socket_for, open_request, event, payload, field
):
    """Wrong types, huge numbers, NULs, extra keys: a `support_error` naming the field."""
    record = open_request(by=desk.customer)
    agent = socket_for(desk.agent)
    answer = agent.emit(event, payload, namespace=NAMESPACE, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == 422
    assert answer["error"]["field"] == field
    assert drain(agent)["support_error"][0]["field"] == field
    assert agent.is_connected(NAMESPACE)
    assert join(agent, record.number)["ok"] is True


def test_unknown_events_are_answered(app, desk, socket_for):
    """An event the namespace does not know gets an error, not silence."""
    agent = socket_for(desk.agent)
    answer = agent.emit("delete_everything", {}, namespace=NAMESPACE, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == 400


def test_a_new_request_moves_the_agents_badge_on_every_page(app, desk, open_request):
    """The Requests badge is live on any page an agent has open (`/me`), not only the inbox,
    and only for the agents of the request's department."""
    agent = badge_socket(app, signed_in(app, desk.agent))
    outsider = badge_socket(app, signed_in(app, desk.outsider))
    customer = badge_socket(app, signed_in(app, desk.customer))
    assert agent.is_connected("/me")
    before = badge_counts(app, desk.agent)["support"]
    open_request()
    assert badge_pushes(agent) == 1
    assert badge_pushes(outsider) == 0 and badge_pushes(customer) == 0
    assert badge_counts(app, desk.agent)["support"] == before + 1
    assert "support" not in badge_counts(app, desk.customer), "a customer has no inbox badge"
