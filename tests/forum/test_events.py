"""Live replies over Socket.IO: a room per topic, joined only by people who may read it."""

from __future__ import annotations

import pytest

from community.extensions import db, socketio
from forum.models import Post, Topic
from forum.services import moderation, posting
from tests.forum.conftest import as_user, load_topic
from tests.helpers import badge_counts, badge_pushes, badge_socket, logged_in

NAMESPACE = "/forum"


def connect(app, topic_id=None, client=None, auth=None):
    return socketio.test_client(
        app,
        namespace=NAMESPACE,
        auth=auth if auth is not None else ({"topic": topic_id} if topic_id else {}),
        flask_test_client=client,
    )


def events(socket, name):
    return [item["args"][0] for item in socket.get_received(NAMESPACE) if item["name"] == name]


def test_a_reader_joins_the_topic_and_hears_new_replies(app, asker, helper, make_topic, make_reply):
    """An anonymous reader of a public topic is told its last number, then each new reply."""
    topic = make_topic(asker)
    socket = connect(app, topic.id)
    assert socket.is_connected(NAMESPACE)
    started = load_topic(app, topic.id).version
    assert events(socket, "watching") == [{"topic": topic.id, "last_number": 1, "version": started}]
    reply = make_reply(helper, topic, "Live reply here")
    received = socket.get_received(NAMESPACE)
    assert [item["name"] for item in received] == ["post_created"]
    now = load_topic(app, topic.id).version
    assert now > started
    assert received[0]["args"][0] == {"topic": topic.id, "number": reply.number, "version": now}
    fragment = app.test_client().get(f"/forum/t/{topic.id}/posts?after=1")
    assert fragment.status_code == 200 and "Live reply here" in fragment.text
    assert fragment.headers["Cache-Control"] == "no-store"
    socket.disconnect(namespace=NAMESPACE)


def test_each_topic_has_its_own_room(app, asker, helper, make_topic, make_reply):
    """A reply in one topic is not pushed to readers of another."""
    first, second = make_topic(asker), make_topic(asker)
    socket = connect(app, first.id)
    socket.get_received(NAMESPACE)
    make_reply(helper, second)
    assert socket.get_received(NAMESPACE) == []


@pytest.mark.parametrize(
    "auth",
    [{}, {"topic": "1"}, {"topic": True}, {"topic": -1}, {"topic": 2**70}, {"topic": 999}],
)
def test_visitors_without_a_readable_topic_are_refused(app, auth):
    """No topic, a malformed id or an unknown topic: the connection is refused."""
    socket = connect(app, auth=auth)
    assert not socket.is_connected(NAMESPACE)


def test_a_hidden_topics_room_refuses_whoever_cannot_read_it(
    app, asker, helper, moderator, make_topic, make_member
):
    """Visitors and members are refused; moderators and the author may join."""
    topic = make_topic(asker)
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "hide", by=user)
    assert not connect(app, topic.id).is_connected(NAMESPACE)
    member = logged_in(app, make_member())
    assert not connect(app, topic.id, member).is_connected(NAMESPACE)
    for person in (moderator, asker):
        socket = connect(app, topic.id, logged_in(app, person))
        assert socket.is_connected(NAMESPACE)
        socket.disconnect(namespace=NAMESPACE)


def test_hiding_a_topic_empties_its_room(app, asker, helper, moderator, make_topic, make_reply):
    """Open pages hear that the topic is gone, and nothing about it after that."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic)
    socket = connect(app, topic.id)
    socket.get_received(NAMESPACE)
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "hide", by=user)
    assert events(socket, "topic_gone") == [{"topic": topic.id}]
    with as_user(app, moderator.id) as user:
        posting.edit_post(
            db.session.get_one(Post, reply.id), posting.EditInput("A secret edit"), by=user
        )
    assert socket.get_received(NAMESPACE) == []


def test_changes_are_pushed_as_ids_only(app, asker, helper, moderator, make_topic, make_reply):
    """Edits and moderation push the post id; the words are fetched with a permission check."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "Original words")
    socket = connect(app, topic.id)
    socket.get_received(NAMESPACE)
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, reply.id), by=user)
    version = load_topic(app, topic.id).version
    assert events(socket, "post_changed") == [
        {"topic": topic.id, "post": reply.id, "version": version}
    ]
    fragment = app.test_client().get(f"/forum/t/{topic.id}/posts?post={reply.id}").text
    assert "Original words" not in fragment and "hidden by a moderator" in fragment
    logged_in(app, asker).post_form(f"/forum/t/{topic.id}/moderate", {"action": "lock"})
    assert socket.get_received(NAMESPACE) == []  # refused: the asker is no moderator


def test_accepting_an_answer_tells_open_pages(app, asker, helper, make_topic, make_reply):
    """Other readers are offered a reload when the topic is solved."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic)
    socket = connect(app, topic.id)
    socket.get_received(NAMESPACE)
    logged_in(app, asker).post_form(f"/forum/p/{reply.id}/accept")
    assert events(socket, "topic_changed") == [
        {"topic": topic.id, "version": load_topic(app, topic.id).version}
    ]


def test_signed_in_readers_hear_their_unread_count(app, asker, helper, make_topic, make_reply):
    """Each person's badge moves on every open page (`/me`), and only theirs."""
    topic = make_topic(asker)
    socket = badge_socket(app, logged_in(app, asker))
    assert socket.is_connected("/me")
    make_reply(helper, topic, "Hello @CaseyChen")
    assert badge_pushes(socket) == 1
    assert badge_counts(app, asker)["forum"] == 1
    other = badge_socket(app, logged_in(app, helper))
    make_reply(asker, topic, "Thanks!")
    assert badge_pushes(socket) == 0
    assert badge_pushes(other) == 1
    assert badge_counts(app, helper)["forum"] == 1


def test_the_forum_namespace_needs_a_topic(app, asker):
    """Without a topic there is nothing to join: badges live on `/me`."""
    socket = connect(app, None, logged_in(app, asker))
    assert not socket.is_connected(NAMESPACE)


def test_a_page_back_online_learns_what_it_missed(
    app, asker, helper, moderator, make_topic, make_reply
):
    """Reconnecting after a hide made while offline: the version says the page is behind."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "First words")
    first = connect(app, topic.id)
    [state] = events(first, "watching")
    first.disconnect(namespace=NAMESPACE)
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, reply.id), by=user)
    again = connect(app, topic.id)
    [later] = events(again, "watching")
    assert later["last_number"] == state["last_number"]  # no new reply explains it
    assert later["version"] > state["version"]


def test_votes_reach_open_pages_as_counts(app, asker, helper, make_topic, make_reply):
    """Another reader's vote moves the count on open pages; taking it back moves it again."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic)
    socket = connect(app, topic.id)
    socket.get_received(NAMESPACE)
    voter = logged_in(app, asker)
    voter.post_form(f"/forum/p/{reply.id}/vote", {"up": "1"})
    voter.post_form(f"/forum/p/{reply.id}/vote", {"up": "1"})  # the same vote again: no push
    version = load_topic(app, topic.id).version
    assert events(socket, "post_voted") == [
        {"topic": topic.id, "post": reply.id, "count": 1, "version": version}
    ]
    voter.post_form(f"/forum/p/{reply.id}/vote", {"up": "0"})
    assert [event["count"] for event in events(socket, "post_voted")] == [0]
