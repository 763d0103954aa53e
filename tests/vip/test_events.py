"""The `/vip` Socket.IO namespace: who may connect, what each event may do, bad payloads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.extensions import db, socketio
from tests.helpers import badge_counts
from tests.vip.conftest import assign, drain, make_overdue, messages_in, post
from vip.models import MESSAGE_MAX_LENGTH, VipMessage


def send(client, payload):
    return client.emit("send", payload, namespace="/vip", callback=True)


def test_anonymous_and_non_vip_connections_are_refused(app, socket_for, make_user):
    """No session, or a customer without a tier: the namespace refuses the connection."""
    assert not socket_for(None).is_connected("/vip")
    assert not socket_for(make_user()).is_connected("/vip")
    assert not socket_for(make_user(roles=[Role.EDITOR])).is_connected("/vip")


def test_public_live_pages_elsewhere_keep_working(app, make_user):
    """The refusal is the VIP namespace's only: an anonymous visitor still connects to `/`."""
    visitor = socketio.test_client(app, flask_test_client=app.test_client())
    assert visitor.is_connected("/")
    visitor.disconnect()


def test_vip_clients_and_managers_connect(app, socket_for, pair):
    """The client and their manager are admitted."""
    assert socket_for(pair.client).is_connected("/vip")
    assert socket_for(pair.manager).is_connected("/vip")


def test_a_message_is_saved_before_it_reaches_the_manager(app, socket_for, pair):
    """The manager's copy names a row that is already committed; the ack carries it too."""
    client, manager = socket_for(pair.client), socket_for(pair.manager)
    drain(client), drain(manager)
    answer = send(client, {"body": "Hello **Morgan**", "nonce": "abc-1"})
    assert answer["ok"] is True and answer["message"]["nonce"] == "abc-1"
    (pushed,) = drain(manager)["new_message"]
    assert pushed["id"] == answer["message"]["id"]
    assert pushed["html"] == "<p>Hello <strong>Morgan</strong></p>"
    assert pushed["from_staff"] is False and pushed["conversation"] == pair.conversation_id
    with app.app_context():
        stored = db.session.get(VipMessage, pushed["id"])
        assert stored is not None and stored.body == "Hello **Morgan**"


def test_the_manager_replies_by_naming_the_conversation(app, socket_for, pair):
    """Staff say which conversation (an id the server checks), never a room."""
    client, manager = socket_for(pair.client), socket_for(pair.manager)
    answer = send(manager, {"conversation": pair.conversation_id, "body": "Hi Vivian"})
    assert answer["ok"] is True
    received = drain(client)
    assert [m["html"] for m in received["new_message"]] == ["<p>Hi Vivian</p>"]
    assert badge_counts(app, pair.client)["vip"] == 1


def test_vip_a_cannot_write_into_vip_b_conversation(app, socket_for, make_pair):
    """Naming someone else's conversation is a 404 error event; nothing is stored or sent."""
    a, b = make_pair(), make_pair()
    socket_a, manager_b = socket_for(a.client), socket_for(b.manager)
    drain(manager_b)
    answer = send(socket_a, {"conversation": b.conversation_id, "body": "sneaky"})
    assert answer["ok"] is False and answer["error"]["code"] == 404
    assert drain(socket_a)["vip_error"][0]["code"] == 404
    assert drain(manager_b)["new_message"] == []
    assert messages_in(app, b.conversation_id) == []


def test_a_manager_cannot_write_to_another_managers_client(app, socket_for, make_pair):
    """404 for a conversation that is not theirs."""
    a, b = make_pair(), make_pair()
    answer = send(socket_for(a.manager), {"conversation": b.conversation_id, "body": "hi"})
    assert answer["error"]["code"] == 404
    assert messages_in(app, b.conversation_id) == []


def test_the_backup_writes_only_after_the_promise_has_passed(app, socket_for, pair):
    """403 before; afterwards the reply is stored and pushed, marked as the backup's."""
    post(app, pair.client, pair.conversation_id, "Anyone there?")
    backup, client = socket_for(pair.backup), socket_for(pair.client)
    refused = send(backup, {"conversation": pair.conversation_id, "body": "early"})
    assert refused["error"]["code"] == 403
    make_overdue(app, pair.conversation_id)
    drain(client)
    answer = send(backup, {"conversation": pair.conversation_id, "body": "I can help."})
    assert answer["ok"] and answer["message"]["by_backup"] is True
    assert drain(client)["new_message"][0]["by_backup"] is True


def test_staff_must_say_which_conversation(app, socket_for, pair):
    """A manager's send without a conversation is a 422 naming the field."""
    answer = send(socket_for(pair.manager), {"body": "to whom?"})
    assert answer["error"]["code"] == 422 and answer["error"]["field"] == "conversation"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("just a string", "body"),
        (42, "body"),
        (None, "body"),
        (["body", "hi"], "body"),
        ({}, "body"),
        ({"body": 12}, "body"),
        ({"body": {"$gt": ""}}, "body"),
        ({"body": "x" * (MESSAGE_MAX_LENGTH + 1)}, "body"),
        ({"body": "hi", "room": "vip:someone-else"}, "room"),
        ({"body": "hi", "conversation": "1"}, "conversation"),
        ({"body": "hi", "conversation": True}, "conversation"),
        ({"body": "hi", "nonce": "<script>"}, "nonce"),
    ],
    ids=[
        "string",
        "number",
        "null",
        "list",
        "no-body",
        "body-number",
        "body-object",
        "too-long",
        "names-a-room",
        "id-as-text",
        "id-as-bool",
        "bad-nonce",
    ],
)
def test_bad_payloads_get_an_error_event_and_the_connection_lives_on(
    app, socket_for, pair, payload, field
):
    """Every malformed payload is answered with `vip_error`; nothing stored; still connected."""
    client = socket_for(pair.client)
    drain(client)
    answer = send(client, payload)
    assert answer["ok"] is False and answer["error"]["code"] == 422
    assert answer["error"]["field"].startswith(field) or payload in ("just a string", 42, None)
    assert drain(client)["vip_error"][0]["event"] == "send"
    assert client.is_connected("/vip")
    assert messages_in(app, pair.conversation_id) == []
    assert send(client, {"body": "still works"})["ok"] is True


@pytest.mark.parametrize("body", ["", "   ", "\u200b"], ids=["empty", "blank", "invisible"])
def test_an_empty_message_is_refused(app, socket_for, pair, body):
    """422 naming the body; nothing stored."""
    answer = send(socket_for(pair.client), {"body": body})
    assert answer["error"] == {
        "event": "send",
        "code": 422,
        "message": "Write a message first.",
        "field": "body",
        "fields": [{"field": "body", "message": "Write a message first."}],
    }
    assert messages_in(app, pair.conversation_id) == []


def test_hostile_markdown_is_pushed_sanitised(app, socket_for, pair):
    """The HTML that goes out over the socket is the sanitised one."""
    manager = socket_for(pair.manager)
    send(socket_for(pair.client), {"body": "<img src=x onerror=alert(1)>[a](javascript:evil())"})
    (pushed,) = drain(manager)["new_message"]
    assert "onerror" not in pushed["html"] and "javascript:" not in pushed["html"]


def test_a_flood_is_cut_off_by_the_rate_limit(make_app, make_user):
    """Past VIP_MESSAGE_RATE_LIMIT, sends get a 429 error event and are not stored."""
    app = make_app(RATELIMIT_ENABLED=True, VIP_MESSAGE_RATE_LIMIT="5 per minute")
    client = make_user(vip_tier="gold")
    manager = make_user(roles=[Role.MANAGER])
    conversation_id = assign(app, client, manager)
    http = app.test_client()
    http.login(client.email)
    socket = socketio.test_client(app, namespace="/vip", flask_test_client=http)
    answers = [send(socket, {"body": f"message {n}"}) for n in range(8)]
    assert [answer["ok"] for answer in answers] == [True] * 5 + [False] * 3
    assert answers[-1]["error"]["code"] == 429
    assert len(messages_in(app, conversation_id)) == 5
    assert socket.is_connected("/vip")
    socket.disconnect(namespace="/vip")


def test_typing_reaches_the_other_side_only(app, socket_for, pair):
    """The manager sees the client typing, with the name; the client gets no echo."""
    client, manager = socket_for(pair.client), socket_for(pair.manager)
    drain(client), drain(manager)
    assert client.emit("typing", {"typing": True}, namespace="/vip", callback=True)["ok"]
    assert drain(manager)["typing"] == [
        {"conversation": pair.conversation_id, "name": pair.client.display_name, "typing": True}
    ]
    assert drain(client)["typing"] == []
    bad = client.emit("typing", {"typing": "yes"}, namespace="/vip", callback=True)
    assert bad["error"]["field"] == "typing"


def test_reading_sends_seen_back_and_clears_the_unread_count(app, socket_for, pair):
    """The manager reads; the client hears "seen" up to that message; counts drop to 0."""
    client, manager = socket_for(pair.client), socket_for(pair.manager)
    first = send(client, {"body": "one"})["message"]["id"]
    second = send(client, {"body": "two"})["message"]["id"]
    assert badge_counts(app, pair.manager)["vip"] == 2
    drain(client)

    answer = manager.emit(
        "read",
        {"conversation": pair.conversation_id, "up_to": first},
        namespace="/vip",
        callback=True,
    )
    assert answer == {"ok": True, "marked": 1}
    (seen,) = drain(client)["seen"]
    assert seen["up_to"] == first and seen["by_staff"] is True
    assert badge_counts(app, pair.manager)["vip"] == 1
    manager.emit("read", {"conversation": pair.conversation_id}, namespace="/vip", callback=True)
    assert drain(client)["seen"][0]["up_to"] == second
    with app.app_context():
        unread = db.session.scalars(select(VipMessage).where(VipMessage.read_at.is_(None))).all()
        assert unread == []


def test_reading_someone_elses_conversation_is_refused(app, socket_for, make_pair):
    """`read` is checked like `send`: 404 outside your conversations."""
    a, b = make_pair(), make_pair()
    post(app, b.client, b.conversation_id, "private")
    answer = socket_for(a.manager).emit(
        "read", {"conversation": b.conversation_id}, namespace="/vip", callback=True
    )
    assert answer["error"]["code"] == 404
    assert messages_in(app, b.conversation_id)[0].read_at is None


def test_an_unknown_event_is_answered_with_an_error(app, socket_for, pair):
    """A client cannot invent events such as `join`: it gets an error event."""
    client = socket_for(pair.client)
    drain(client)
    answer = client.emit("join", {"room": "vip:abc"}, namespace="/vip", callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == 400
    assert drain(client)["vip_error"][0]["event"] == "join"


def test_a_client_who_loses_the_tier_is_cut_off_at_the_next_event(app, socket_for, pair):
    """The session is checked on every event, not only at connect."""
    client = socket_for(pair.client)
    assign(app, pair.client, None, tier=None)
    answer = send(client, {"body": "am I still here?"})
    assert answer["ok"] is False and answer["error"]["code"] == 401
    assert not client.is_connected("/vip")
    assert messages_in(app, pair.conversation_id) == []


def test_a_reassignment_reaches_the_new_manager_without_reconnecting(
    app, socket_for, pair, make_user
):
    """Rooms are per person, so the next message goes to whoever manages the client now."""
    newcomer = make_user(roles=[Role.MANAGER])
    client, old, new = socket_for(pair.client), socket_for(pair.manager), socket_for(newcomer)
    assign(app, pair.client, newcomer, pair.backup)
    drain(old), drain(new)
    send(client, {"body": "hello new manager"})
    assert drain(new)["new_message"][0]["html"] == "<p>hello new manager</p>"
    assert drain(old)["new_message"] == []
    with app.app_context():
        assert db.session.get(User, newcomer.id).has_role(Role.MANAGER)


def test_typing_into_someone_elses_conversation_is_refused(app, socket_for, make_pair):
    """`typing` is checked like `send`: nobody outside hears it."""
    a, b = make_pair(), make_pair()
    manager_b = socket_for(b.manager)
    drain(manager_b)
    answer = socket_for(a.client).emit(
        "typing",
        {"conversation": b.conversation_id, "typing": True},
        namespace="/vip",
        callback=True,
    )
    assert answer["error"]["code"] == 404
    assert drain(manager_b)["typing"] == []
