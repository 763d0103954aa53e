"""Flags and moderation: the queue shows who flagged what; hide, restore, lock, pin, move."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.accounts.models import Role
from community.errors import InvalidInput
from community.extensions import db
from forum.models import Flag, ForumCategory, ModerationAction, Post, Topic
from forum.services import moderation, posting
from tests.forum.conftest import as_user, load_post, load_topic
from tests.helpers import logged_in


def _flag(app, person, post_id, reason="spam", note=""):
    with as_user(app, person.id) as user:
        moderation.flag_post(db.session.get_one(Post, post_id), by=user, reason=reason, note=note)


def test_the_queue_shows_who_flagged_what_and_why(
    app, asker, helper, moderator, make_member, make_topic, make_reply
):
    """Each flagged post with its flaggers, reasons and notes, for moderators."""
    topic = make_topic(asker, "Cheap ink cartridges", "Where do you buy them?")
    spam = make_reply(helper, topic, "Buy now at totally-legit.example!!!")
    _flag(app, make_member(display_name="Fran Flagger"), spam.id, "spam", "Link farm")
    _flag(app, asker, spam.id, "offensive")
    page = logged_in(app, moderator).get("/forum/moderation")
    assert page.status_code == 200
    text = page.text
    assert "Buy now at totally-legit.example!!!" in text
    assert "Fran Flagger" in text and "Casey Chen" in text
    assert "Spam" in text and "Rude or offensive" in text and "“Link farm”" in text
    assert load_post(app, spam.id).open_flag_count == 2


def test_a_flag_needs_a_reason_and_counts_once(app, asker, helper, make_topic, make_reply):
    """An unknown reason, "other" without a note, and a second flag are refused."""
    reply = make_reply(helper, make_topic(asker))
    with pytest.raises(InvalidInput):
        _flag(app, asker, reply.id, "boring")
    with pytest.raises(InvalidInput) as refused:
        _flag(app, asker, reply.id, "other")
    assert refused.value.field == "note"
    _flag(app, asker, reply.id, "off_topic")
    with pytest.raises(InvalidInput):
        _flag(app, asker, reply.id, "spam")
    response = logged_in(app, asker).post_form(f"/forum/p/{reply.id}/flag", {"reason": "spam"})
    assert response.status_code == 422
    assert "You have flagged this post already" in response.text


def test_enough_flags_hide_a_post_until_a_moderator_looks(
    app, client, asker, helper, moderator, make_member, make_topic, make_reply
):
    """Three people's flags hide it; dismissing them brings it back."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "Questionable advice")
    for _ in range(3):
        _flag(app, make_member(), reply.id)
    post = load_post(app, reply.id)
    assert post.is_hidden and post.hidden_by_id is None
    assert "Questionable advice" not in client.get(topic.path).text
    response = logged_in(app, moderator).post_form(
        f"/forum/p/{reply.id}/moderate", {"action": "dismiss", "back": "queue"}
    )
    assert response.headers["Location"].endswith("/forum/moderation")
    post = load_post(app, reply.id)
    assert not post.is_hidden and post.open_flag_count == 0
    with app.app_context():
        assert {flag.resolution for flag in db.session.scalars(select(Flag))} == {"dismissed"}


def test_staff_posts_are_never_hidden_by_flags_alone(
    app, asker, make_member, make_topic, make_reply
):
    """Flags on a staff reply wait for a moderator."""
    staff = make_member(roles=[Role.MANAGER])
    reply = make_reply(staff, make_topic(asker), "Official answer")
    for _ in range(3):
        _flag(app, make_member(), reply.id)
    assert not load_post(app, reply.id).is_hidden


def test_hiding_settles_the_flags_and_restoring_brings_the_post_back(
    app, asker, helper, moderator, make_topic, make_reply
):
    """Hide resolves open flags as "hidden"; restore shows the post again; both are logged."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic)
    _flag(app, asker, reply.id)
    client = logged_in(app, moderator)
    client.post_form(f"/forum/p/{reply.id}/moderate", {"action": "hide"})
    post = load_post(app, reply.id)
    assert post.is_hidden and post.hidden_by_id == moderator.id and post.open_flag_count == 0
    assert load_topic(app, topic.id).post_count == 1
    client.post_form(f"/forum/p/{reply.id}/moderate", {"action": "restore"})
    assert load_post(app, reply.id).is_visible
    assert load_topic(app, topic.id).post_count == 2
    with app.app_context():
        actions = db.session.scalars(select(ModerationAction.action).order_by(ModerationAction.id))
        assert list(actions) == ["hide_post", "restore_post"]
    assert "Mona Moderator" in client.get("/forum/moderation").text


def test_hiding_the_question_hides_the_topic(app, client, asker, moderator, make_topic, category):
    """The topic leaves lists and counts; restoring brings both back."""
    topic = make_topic(asker, "Suspicious offer", "Click here")
    with as_user(app, moderator.id) as user:
        moderation.hide_post(db.session.get_one(Post, topic.post_id), by=user)
    assert load_topic(app, topic.id).is_hidden
    assert "Suspicious offer" not in client.get("/forum/c/devices").text
    with app.app_context():
        assert db.session.get_one(ForumCategory, category).topic_count == 0
    with as_user(app, moderator.id) as user:
        moderation.restore_post(db.session.get_one(Post, topic.post_id), by=user)
    assert not load_topic(app, topic.id).is_hidden
    assert "Suspicious offer" in client.get("/forum/c/devices").text


def test_moderators_restore_a_deleted_topic(app, asker, moderator, make_topic):
    """A topic its author deleted comes back with its question."""
    topic = make_topic(asker)
    with as_user(app, asker.id) as user:
        posting.delete_post(db.session.get_one(Post, topic.post_id), by=user)
    logged_in(app, moderator).post_form(f"/forum/t/{topic.id}/moderate", {"action": "restore"})
    assert load_topic(app, topic.id).deleted_at is None
    assert load_post(app, topic.post_id).deleted_at is None


def test_lock_and_pin(app, client, asker, moderator, make_topic):
    """A pinned topic leads its category's latest list; a locked one says so."""
    older = make_topic(asker, "Older topic here")
    make_topic(asker, "Newer topic here")
    moderator_client = logged_in(app, moderator)
    moderator_client.post_form(f"/forum/t/{older.id}/moderate", {"action": "pin"})
    moderator_client.post_form(f"/forum/t/{older.id}/moderate", {"action": "lock"})
    listing = client.get("/forum/c/devices").text
    assert listing.index("Older topic here") < listing.index("Newer topic here")
    page = client.get(older.path).text
    assert "Pinned" in page and "Locked" in page
    assert "This topic is locked" in logged_in(app, asker).get(older.path).text
    moderator_client.post_form(f"/forum/t/{older.id}/moderate", {"action": "unpin"})
    moderator_client.post_form(f"/forum/t/{older.id}/moderate", {"action": "unlock"})
    stored = load_topic(app, older.id)
    assert not stored.is_pinned and not stored.is_locked


def test_moving_a_topic_moves_its_counts(app, client, asker, moderator, make_topic, make_category):
    """Both categories' counts follow the topic."""
    topic = make_topic(asker)
    target = make_category("Shipping", slug="shipping")
    response = logged_in(app, moderator).post_form(
        f"/forum/t/{topic.id}/move", {"category_id": target}
    )
    assert response.status_code == 302
    assert load_topic(app, topic.id).category_id == target
    with app.app_context():
        assert db.session.get_one(ForumCategory, target).topic_count == 1
        assert db.session.get_one(ForumCategory, topic.category_id).topic_count == 0
    assert topic.title in client.get("/forum/c/shipping").text


def test_moderators_read_earlier_versions(app, asker, moderator, make_topic):
    """The history page shows what the post said before each edit."""
    topic = make_topic(asker, "Battery drains fast", "It lasts **two** hours.")
    with as_user(app, asker.id) as user:
        posting.edit_post(
            db.session.get_one(Post, topic.post_id), posting.EditInput("Never mind."), by=user
        )
    page = logged_in(app, moderator).get(f"/forum/p/{topic.post_id}/history").text
    assert "It lasts <strong>two</strong> hours." in page and "Never mind." in page
    topic_page = logged_in(app, moderator).get(topic.path).text
    assert "1 earlier version" in topic_page
    assert "earlier version" not in logged_in(app, asker).get(topic.path).text


def test_a_new_announcement_category_appears_on_the_forum_home(app, client, moderator):
    """Staff (here a moderator) add a category; an empty name comes back with 422."""
    response = logged_in(app, moderator).post_form(
        "/forum/categories/new",
        {"name": "Release notes", "description": "What changed", "position": 0,
         "announcement_only": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalars(select(ForumCategory)).one()
        assert category.slug == "release-notes" and category.announcement_only
    assert "Release notes" in client.get("/forum/").text
    empty = logged_in(app, moderator).post_form("/forum/categories/new", {"name": "\u200b"})
    assert empty.status_code == 422


def test_topic_of_a_post_missing_for_moderation_is_not_found(app, moderator):
    """Moderating a post that does not exist answers 404."""
    client = logged_in(app, moderator)
    assert client.post_form("/forum/p/999/moderate", {"action": "hide"}).status_code == 404
    assert client.post_form("/forum/t/999/moderate", {"action": "lock"}).status_code == 404
    assert client.get("/forum/t/999/move").status_code == 404


def test_unknown_moderation_actions_are_bad_requests(app, asker, moderator, make_topic):
    """Anything but the listed actions is a 400, and changes nothing."""
    topic = make_topic(asker)
    client = logged_in(app, moderator)
    assert client.post_form(f"/forum/t/{topic.id}/moderate", {"action": "nuke"}).status_code == 400
    assert (
        client.post_form(f"/forum/p/{topic.post_id}/moderate", {"action": "x"}).status_code == 400
    )
    with app.app_context():
        assert db.session.get_one(Topic, topic.id).version == load_topic(app, topic.id).version


def test_flag_notes_and_hide_reasons_are_stored_clean(
    app, asker, helper, moderator, make_topic, make_reply
):
    """Control characters (a NUL, which PostgreSQL refuses) are dropped, not a server error."""
    reply = make_reply(helper, make_topic(asker))
    _flag(app, asker, reply.id, "other", "Looks\x00 like\x07 spam")
    response = logged_in(app, moderator).post_form(
        f"/forum/p/{reply.id}/moderate", {"action": "hide", "reason": "spam\x00 link"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Flag.note)).one() == "Looks like spam"
        details = db.session.scalars(
            select(ModerationAction.detail).where(ModerationAction.post_id == reply.id)
        ).all()
    assert "spam link" in details
