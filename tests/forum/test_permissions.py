"""Who may post, edit, delete, accept, vote, flag, moderate and see hidden posts: every
refusal answers 403 (or 404 where even the existence is private), through the services and
through the pages."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from community.errors import NotAllowed, NotFound
from community.extensions import db
from forum.models import ForumCategory, Post, Topic
from forum.services import answers, moderation, notifications, posting
from tests.forum.conftest import as_user, load_post, load_topic
from tests.helpers import logged_in


@pytest.fixture
def outsider(make_member):
    return make_member("outsider@example.com", display_name="Olly Outsider")


@pytest.fixture
def thread(asker, helper, make_topic, make_reply):
    """A topic by the asker with one reply by the helper."""
    topic = make_topic(asker, "Router keeps dropping wifi", "Every hour or so.")
    reply = make_reply(helper, topic, "Update the router firmware.")
    return topic, reply


def _hide_topic(app, moderator, topic_id):
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic_id), "hide", by=user)


# Posting ---------------------------------------------------------------------------------------
def test_visitors_are_sent_to_log_in_before_writing(app, client, thread):
    """Every writing route sends an anonymous visitor to the login page."""
    topic, reply = thread
    for url in (
        "/forum/new",
        f"/forum/t/{topic.id}/reply",
        f"/forum/p/{reply.id}/edit",
        f"/forum/p/{reply.id}/delete",
        f"/forum/p/{reply.id}/vote",
        f"/forum/p/{reply.id}/accept",
        f"/forum/p/{reply.id}/flag",
        f"/forum/t/{topic.id}/watch",
    ):
        response = client.post_form(url, {"body": "x"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in ("/forum/new", "/forum/moderation", "/forum/notifications", "/forum/me"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_an_unconfirmed_member_may_read_but_not_post(app, make_member, thread, category):
    """Topics, replies, votes, flags and watching need a confirmed email address."""
    topic, reply = thread
    person = make_member("new@example.com", confirmed=False)
    client = logged_in(app, person)
    assert client.get(topic.path).status_code == 200
    assert client.get("/forum/new").status_code == 403
    assert client.post_form(f"/forum/t/{topic.id}/reply", {"body": "Hi"}).status_code == 403
    assert client.post_form(f"/forum/p/{reply.id}/vote").status_code == 403
    assert client.get(f"/forum/p/{reply.id}/flag").status_code == 403
    assert client.post_form(f"/forum/t/{topic.id}/watch").status_code == 403
    with as_user(app, person.id) as user:
        with pytest.raises(NotAllowed):
            posting.create_topic(
                posting.TopicInput(category_id=category, title="Hello there", body="Hi"), by=user
            )
        with pytest.raises(NotAllowed):
            posting.create_reply(db.session.get_one(Topic, topic.id), "Hi", by=user)


def test_only_staff_start_topics_in_an_announcement_category(
    app, asker, make_member, make_category
):
    """Members are refused (403); any staff role may announce."""
    announcements = make_category("News", announcement_only=True)
    manager = make_member(roles=[Role.MANAGER])
    with as_user(app, asker.id) as user, pytest.raises(NotAllowed):
        posting.create_topic(
            posting.TopicInput(category_id=announcements, title="My news", body="Hi"), by=user
        )
    response = logged_in(app, asker).post_form(
        "/forum/new", {"category_id": announcements, "title": "My news", "body": "Hi"}
    )
    assert response.status_code == 422  # not one of the categories offered
    with as_user(app, manager.id) as user:
        topic = posting.create_topic(
            posting.TopicInput(category_id=announcements, title="Opening hours", body="9 to 5"),
            by=user,
        )
        assert topic.id


def test_a_locked_topic_refuses_replies_except_from_moderators(app, thread, outsider, moderator):
    """Members get 403 on a locked topic; moderators may still answer."""
    topic, _reply = thread
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "lock", by=user)
    response = logged_in(app, outsider).post_form(f"/forum/t/{topic.id}/reply", {"body": "Hi"})
    assert response.status_code == 403
    with as_user(app, moderator.id) as user:
        post = posting.create_reply(db.session.get_one(Topic, topic.id), "Locked now.", by=user)
        assert post.number == 3


def test_a_hidden_topic_is_missing_for_members_and_visitors(
    app, client, thread, outsider, moderator, asker
):
    """404 for readers and repliers; moderators and the author still see it."""
    topic, _reply = thread
    _hide_topic(app, moderator, topic.id)
    assert client.get(topic.path).status_code == 404
    outsider_client = logged_in(app, outsider)
    assert outsider_client.get(topic.path).status_code == 404
    assert outsider_client.post_form(f"/forum/t/{topic.id}/reply", {"body": "x"}).status_code == 404
    assert logged_in(app, moderator).get(topic.path).status_code == 200
    assert logged_in(app, asker).get(topic.path).status_code == 200
    with as_user(app, outsider.id) as user, pytest.raises(NotFound):
        posting.create_reply(db.session.get_one(Topic, topic.id), "Hi", by=user)
    with as_user(app, asker.id) as user, pytest.raises(NotAllowed):
        posting.create_reply(db.session.get_one(Topic, topic.id), "Why?", by=user)


# Editing and deleting --------------------------------------------------------------------------
def test_only_the_author_or_a_moderator_edits_a_post(app, thread, outsider, moderator, helper):
    """Someone else's post: 403; its author and moderators may edit it."""
    _topic, reply = thread
    assert logged_in(app, outsider).get(f"/forum/p/{reply.id}/edit").status_code == 403
    assert (
        logged_in(app, outsider)
        .post_form(f"/forum/p/{reply.id}/edit", {"body": "Mine now"})
        .status_code
        == 403
    )
    with as_user(app, outsider.id) as user, pytest.raises(NotAllowed):
        posting.edit_post(db.session.get_one(Post, reply.id), posting.EditInput("x"), by=user)
    for person in (helper, moderator):
        with as_user(app, person.id) as user:
            posting.edit_post(
                db.session.get_one(Post, reply.id),
                posting.EditInput(f"Edited by {person.display_name}"),
                by=user,
            )
    assert load_post(app, reply.id).edit_count == 2


def test_authors_cannot_edit_hidden_posts_or_in_locked_topics(app, thread, helper, moderator):
    """A hidden post, or a locked topic, is beyond its author's edits (403)."""
    topic, reply = thread
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "lock", by=user)
    assert logged_in(app, helper).get(f"/forum/p/{reply.id}/edit").status_code == 403
    with as_user(app, moderator.id) as user:
        moderation.moderate_topic(db.session.get_one(Topic, topic.id), "unlock", by=user)
        moderation.hide_post(db.session.get_one(Post, reply.id), by=user)
    with as_user(app, helper.id) as user, pytest.raises(NotAllowed):
        posting.edit_post(db.session.get_one(Post, reply.id), posting.EditInput("x"), by=user)


def test_only_the_author_or_a_moderator_deletes_a_post(app, thread, outsider, moderator):
    """Someone else's post: 403; a moderator may delete it."""
    _topic, reply = thread
    assert logged_in(app, outsider).post_form(f"/forum/p/{reply.id}/delete").status_code == 403
    assert load_post(app, reply.id).deleted_at is None
    response = logged_in(app, moderator).post_form(f"/forum/p/{reply.id}/delete")
    assert response.status_code == 302
    assert load_post(app, reply.id).deleted_by_id == moderator.id


# Answers and votes -----------------------------------------------------------------------------
def test_only_the_asker_or_staff_accepts_an_answer(app, thread, outsider, helper, make_member):
    """Other members (the reply's author included) get 403; the asker or any staff may."""
    topic, reply = thread
    for person in (outsider, helper):
        response = logged_in(app, person).post_form(f"/forum/p/{reply.id}/accept")
        assert response.status_code == 403
    assert load_topic(app, topic.id).accepted_post_id is None
    manager = make_member(roles=[Role.MANAGER])
    assert logged_in(app, manager).post_form(f"/forum/p/{reply.id}/accept").status_code == 302
    assert load_topic(app, topic.id).accepted_post_id == reply.id


def test_the_question_cannot_be_its_own_answer(app, thread, asker):
    """Accepting post 1 is refused."""
    topic, _reply = thread
    with as_user(app, asker.id) as user, pytest.raises(NotAllowed):
        answers.accept_answer(db.session.get_one(Post, topic.post_id), by=user)


def test_only_the_asker_or_staff_unmarks_the_answer(app, thread, asker, outsider):
    """Another member cannot reopen a solved topic (403)."""
    topic, reply = thread
    with as_user(app, asker.id) as user:
        answers.accept_answer(db.session.get_one(Post, reply.id), by=user)
    assert logged_in(app, outsider).post_form(f"/forum/t/{topic.id}/unaccept").status_code == 403
    assert logged_in(app, asker).post_form(f"/forum/t/{topic.id}/unaccept").status_code == 302
    assert load_topic(app, topic.id).accepted_post_id is None


def test_nobody_votes_for_their_own_post_or_for_a_question(app, thread, helper, asker):
    """Own replies and questions cannot be upvoted (403)."""
    topic, reply = thread
    assert logged_in(app, helper).post_form(f"/forum/p/{reply.id}/vote").status_code == 403
    with as_user(app, helper.id) as user, pytest.raises(NotAllowed):
        answers.set_vote(db.session.get_one(Post, topic.post_id), by=user, up=True)
    assert logged_in(app, asker).post_form(f"/forum/p/{reply.id}/vote").status_code == 302
    assert load_post(app, reply.id).vote_count == 1


def test_nobody_flags_their_own_post(app, thread, helper):
    """Flagging one's own post is refused (403)."""
    _topic, reply = thread
    assert logged_in(app, helper).get(f"/forum/p/{reply.id}/flag").status_code == 403
    with as_user(app, helper.id) as user, pytest.raises(NotAllowed):
        moderation.flag_post(db.session.get_one(Post, reply.id), by=user, reason="spam")


# Moderating ------------------------------------------------------------------------------------
@pytest.mark.parametrize("roles", [(), (Role.MANAGER,), (Role.EDITOR,)])
def test_only_moderators_moderate(app, thread, make_member, category, make_category, roles):
    """Members and staff without the moderator role get 403 on every tool."""
    topic, reply = thread
    other = make_category("Elsewhere")
    client = logged_in(app, make_member(roles=list(roles)))
    assert client.get("/forum/moderation").status_code == 403
    assert client.get(f"/forum/p/{reply.id}/history").status_code == 403
    assert client.get(f"/forum/t/{topic.id}/move").status_code == 403
    assert client.post_form(f"/forum/t/{topic.id}/move", {"category_id": other}).status_code == 403
    for action in ("hide", "lock", "pin", "restore"):
        response = client.post_form(f"/forum/t/{topic.id}/moderate", {"action": action})
        assert response.status_code == 403
    for action in ("hide", "restore", "dismiss"):
        response = client.post_form(f"/forum/p/{reply.id}/moderate", {"action": action})
        assert response.status_code == 403
    stored = load_topic(app, topic.id)
    assert not (stored.is_hidden or stored.is_locked or stored.is_pinned)
    assert stored.category_id == category


def test_only_staff_manage_categories(app, make_member, category):
    """Members get 403 on the category forms; any staff role may change a category."""
    member = logged_in(app, make_member())
    assert member.get("/forum/categories/new").status_code == 403
    assert member.get("/forum/c/devices/edit").status_code == 403
    assert member.post_form("/forum/categories/new", {"name": "Mine"}).status_code == 403
    manager = logged_in(app, make_member(roles=[Role.MANAGER]))
    response = manager.post_form(
        "/forum/c/devices/edit",
        {"name": "Devices", "position": 1, "announcement_only": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get_one(ForumCategory, category).announcement_only


def test_hidden_posts_show_to_moderators_and_their_author_only(
    app, client, thread, moderator, helper, outsider
):
    """Others see a placeholder instead of the words."""
    topic, reply = thread
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, reply.id), by=user)
    words = "Update the router firmware."
    assert words not in client.get(topic.path).text
    assert words not in logged_in(app, outsider).get(topic.path).text
    assert "This post was hidden by a moderator." in client.get(topic.path).text
    assert words in logged_in(app, helper).get(topic.path).text
    assert words in logged_in(app, moderator).get(topic.path).text


def test_deleted_posts_show_to_moderators_only(app, client, thread, helper, moderator, asker):
    """Even the author sees only a placeholder once a post is deleted."""
    topic, reply = thread
    with as_user(app, helper.id) as user:
        posting.delete_post(db.session.get_one(Post, reply.id), by=user)
    words = "Update the router firmware."
    for reader in (logged_in(app, helper), logged_in(app, asker), client):
        assert words not in reader.get(topic.path).text
    assert words in logged_in(app, moderator).get(topic.path).text


def test_the_live_fragment_checks_like_the_page(app, client, thread, moderator):
    """A hidden topic's posts fragment is missing for visitors too."""
    topic, _reply = thread
    _hide_topic(app, moderator, topic.id)
    assert client.get(f"/forum/t/{topic.id}/posts?after=0").status_code == 404
    assert client.get(f"/forum/p/{topic.post_id}").status_code == 404


# Knowledge-base drafts, watching, notifications ------------------------------------------------
@pytest.mark.parametrize("roles", [(), (Role.MODERATOR,), (Role.MANAGER,)])
def test_only_editors_turn_answers_into_articles(app, thread, asker, make_member, roles):
    """Everyone without the editor role gets 403."""
    topic, reply = thread
    with as_user(app, asker.id) as user:
        answers.accept_answer(db.session.get_one(Post, reply.id), by=user)
    client = logged_in(app, make_member(roles=list(roles)))
    assert client.post_form(f"/forum/t/{topic.id}/article").status_code == 403


def test_an_unsolved_topic_makes_no_article(app, thread, make_member):
    """Without an accepted answer there is nothing to turn into an article (403)."""
    topic, _reply = thread
    editor = make_member(roles=[Role.EDITOR])
    assert logged_in(app, editor).post_form(f"/forum/t/{topic.id}/article").status_code == 403


@pytest.mark.usefixtures("thread")
def test_a_notification_belongs_to_its_person(app, asker, outsider):
    """Opening someone else's notification is not found (404)."""
    with app.app_context():
        notice = db.session.scalars(
            db.select(notifications.Notification).where(
                notifications.Notification.user_id == asker.id
            )
        ).first()
    assert notice is not None
    assert logged_in(app, outsider).get(f"/forum/notifications/{notice.id}").status_code == 404
    assert logged_in(app, asker).get(f"/forum/notifications/{notice.id}").status_code == 302
