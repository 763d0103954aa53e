"""Navigation badges live on every member's page: `/me` over Socket.IO and `/me/badges`."""

from __future__ import annotations

import pytest

from community.extensions import socketio
from tests.helpers import badge_counts, badge_pushes, badge_socket, logged_in

SOCKET_CLIENT = "vendor/socket.io.min.js"


def test_visitors_get_neither_a_room_nor_counts(app, client):
    socket = socketio.test_client(app, namespace="/me", flask_test_client=client)
    assert not socket.is_connected("/me")
    answer = client.get("/me/badges", headers={"Accept": "application/json"})
    assert answer.status_code == 401
    assert "badges" not in answer.get_json()


def test_a_members_pages_load_the_live_client_once(app, client, make_user):
    """Signed in, every page carries the badges address and one Socket.IO client, also the
    pages that load it themselves for visitors; signed out, only those pages load it."""
    member = logged_in(app, make_user("mia@example.com"))
    for path in ("/", "/kb/", "/forum/", "/track"):
        page = member.get(path).text
        assert 'data-badges-url="/me/badges"' in page, path
        assert page.count(SOCKET_CLIENT) == 1, path
        visitor = client.get(path).text
        assert "data-badges-url" not in visitor and SOCKET_CLIENT not in visitor, path


def test_counts_are_the_readers_own_and_never_cached(app, make_user):
    reader = make_user("rui@example.com")
    answer = logged_in(app, reader).get("/me/badges")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json() == {"badges": {"forum": 0}}
    assert badge_counts(app, reader) == {"forum": 0}


def test_a_push_reaches_only_its_members_pages(app, make_user):
    """`badges_changed` after a commit; a rollback sends nothing."""
    from community.badges import badges_changed
    from community.extensions import db

    one, two = make_user("one@example.com"), make_user("two@example.com")
    first, second = (badge_socket(app, logged_in(app, person)) for person in (one, two))
    with app.app_context():
        db.session.connection()  # a transaction is open: the push waits for its end
        badges_changed([one.id])
        db.session.rollback()
    assert badge_pushes(first) == 0
    with app.app_context():
        db.session.connection()
        badges_changed([one.id, None])
        db.session.commit()
    assert badge_pushes(first) == 1 and badge_pushes(second) == 0


def test_no_public_page_starts_a_session_for_a_visitor(
    app, client, make_user, make_category_for_visitors
):
    """A visitor's page carries no token and sets no cookie, so one cached copy serves every
    visitor (a token in a kept page would be shared, and a cookie would end the caching)."""
    for path in make_category_for_visitors:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not response.headers.getlist("Set-Cookie"), path
        assert 'name="csrf_token"' not in response.text and "csrf-token" not in response.text


@pytest.fixture
def make_category_for_visitors(app, make_user):
    """The addresses of public pages with content: a topic with a reply, its category, the
    forum, the knowledge base, tracking, the home page and the service page."""
    from community.extensions import db
    from forum.models import ForumCategory
    from forum.services import posting
    from tests.forum.conftest import as_user

    asker, helper = make_user("ask@example.com"), make_user("help@example.com")
    with app.app_context():
        category = ForumCategory(slug="printers", name="Printers", position=1)
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    with as_user(app, asker.id) as user:
        topic = posting.create_topic(
            posting.TopicInput(category_id=category_id, title="Printer is offline", body="Why?"),
            by=user,
        )
        topic_id, slug = topic.id, topic.slug
    with as_user(app, helper.id) as user:
        from forum.models import Topic

        posting.create_reply(db.session.get_one(Topic, topic_id), "Restart it.", by=user)
    return [
        "/",
        "/forum/",
        "/forum/c/printers",
        f"/forum/t/{topic_id}/{slug}",
        "/kb/",
        "/track",
        "/service",
    ]
