"""Writing: topics, replies, edits with their history, soft deletes, counters, nonces."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from community.errors import InvalidInput
from community.extensions import db
from forum.models import ForumCategory, ForumProfile, Post, PostRevision, Topic, TopicUser
from forum.services import posting
from tests.forum.conftest import as_user, load_post, load_topic
from tests.helpers import logged_in


def _count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_a_topic_starts_with_its_question_and_its_author_watches_it(
    app, asker, make_topic, category
):
    """The question is post 1; the author watches; the category counts the topic."""
    topic = make_topic(asker, "Printer stops at 80%", "Error **0x80070002**", tags=["Printer"])
    stored = load_topic(app, topic.id)
    assert stored.slug == "printer-stops-at-80"
    assert stored.tags == ["printer"]
    assert stored.post_count == 1 and stored.highest_number == 1
    assert "<strong>0x80070002</strong>" in load_post(app, topic.post_id).body_html
    with app.app_context():
        relation = db.session.get(TopicUser, (asker.id, topic.id))
        assert relation is not None and relation.watching
        counted = db.session.get_one(ForumCategory, category)
        assert (counted.topic_count, counted.post_count, counted.last_topic_id) == (1, 1, topic.id)
        assert db.session.get_one(ForumProfile, asker.id).handle == "CaseyChen"


def test_replies_are_numbered_and_counted(app, asker, helper, make_topic, make_reply, category):
    """Each reply takes the next number; topic and category counts and activity follow."""
    topic = make_topic(asker)
    first = make_reply(helper, topic)
    second = make_reply(asker, topic)
    assert (first.number, second.number) == (2, 3)
    stored = load_topic(app, topic.id)
    assert (stored.post_count, stored.highest_number, stored.last_poster_id) == (3, 3, asker.id)
    with app.app_context():
        assert db.session.get_one(ForumCategory, category).post_count == 3


def test_concurrent_replies_never_share_a_number(app, make_member, asker, make_topic):
    """Replies racing into one topic each get their own number."""
    topic = make_topic(asker)
    people = [make_member() for _ in range(4)]
    errors: list[BaseException] = []

    def reply(person):
        try:
            with as_user(app, person.id) as user:
                posting.create_reply(db.session.get_one(Topic, topic.id), "Me too!", by=user)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reply, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        numbers = db.session.scalars(
            select(Post.number).where(Post.topic_id == topic.id).order_by(Post.number)
        ).all()
    assert numbers == [1, 2, 3, 4, 5]


def test_the_same_form_sent_twice_makes_one_reply(app, asker, helper, make_topic):
    """A double click (the same nonce twice) finds the first reply instead of writing another."""
    topic = make_topic(asker)
    client = logged_in(app, helper)
    form = {"body": "Unplug the printer first.", "nonce": "same-nonce-123"}
    first = client.post_form(f"/forum/t/{topic.id}/reply", form)
    second = client.post_form(f"/forum/t/{topic.id}/reply", form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, Post, Post.topic_id == topic.id) == 2


def test_the_same_topic_form_sent_twice_makes_one_topic(app, asker, category):
    """Posting the new-topic form twice opens the topic the first sending made."""
    client = logged_in(app, asker)
    form = {
        "category_id": category,
        "title": "Scanner is slow",
        "body": "It takes a minute per page.",
        "nonce": "topic-nonce-1",
    }
    first = client.post_form("/forum/new", form)
    second = client.post_form("/forum/new", form)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, Topic) == 1


def test_racing_double_submissions_make_one_post(app, asker, helper, make_topic):
    """Two sendings of one form at the same moment still make one reply."""
    topic = make_topic(asker)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def send():
        with as_user(app, helper.id) as user:
            found = db.session.get_one(Topic, topic.id)
            barrier.wait()
            results.append(posting.create_reply(found, "Same text", by=user, nonce="race").id)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert _count(app, Post, Post.topic_id == topic.id) == 2


def test_an_edit_keeps_the_earlier_version_and_marks_the_post(app, asker, make_topic):
    """Editing the question changes title, tags and body; the old version is kept."""
    topic = make_topic(asker, "Old title here", "Old body", tags=["old"])
    with as_user(app, asker.id) as user:
        post = db.session.get_one(Post, topic.post_id)
        posting.edit_post(
            post, posting.EditInput(body="New body", title="New title here", tags=["new"]), by=user
        )
    stored, post = load_topic(app, topic.id), load_post(app, topic.post_id)
    assert (stored.title, stored.slug, stored.tags) == ("New title here", "new-title-here", ["new"])
    assert post.body == "New body" and post.edited_at is not None and post.edit_count == 1
    with app.app_context():
        [revision] = db.session.scalars(select(PostRevision)).all()
        assert (revision.title, revision.tags, revision.body) == (
            "Old title here",
            ["old"],
            "Old body",
        )
        assert revision.replaced_by_id == asker.id


def test_an_unchanged_edit_keeps_no_revision(app, asker, make_topic):
    """Saving without a change is not an edit."""
    topic = make_topic(asker, "Same title", "Same body")
    with as_user(app, asker.id) as user:
        post = db.session.get_one(Post, topic.post_id)
        posting.edit_post(post, posting.EditInput(body="Same body", title="Same title"), by=user)
    assert load_post(app, topic.post_id).edited_at is None
    assert _count(app, PostRevision) == 0


def test_deleting_a_reply_is_soft_and_recounts(app, asker, helper, make_topic, make_reply):
    """A deleted reply keeps its words for moderators and leaves the counts."""
    topic = make_topic(asker)
    reply = make_reply(helper, topic, "Oops, wrong topic")
    with as_user(app, helper.id) as user:
        posting.delete_post(db.session.get_one(Post, reply.id), by=user)
    post = load_post(app, reply.id)
    assert post.deleted_at is not None and post.body == "Oops, wrong topic"
    assert load_topic(app, topic.id).post_count == 1


def test_deleting_the_question_deletes_the_topic(app, asker, make_topic, category):
    """The question takes its topic along; the category no longer counts it."""
    topic = make_topic(asker)
    with as_user(app, asker.id) as user:
        posting.delete_post(db.session.get_one(Post, topic.post_id), by=user)
    assert load_topic(app, topic.id).deleted_at is not None
    with app.app_context():
        assert db.session.get_one(ForumCategory, category).topic_count == 0


def test_a_topic_needs_an_existing_category(app, asker):
    """A missing category is refused on the category field."""
    with as_user(app, asker.id) as user, pytest.raises(InvalidInput) as refused:
        posting.create_topic(
            posting.TopicInput(category_id=999, title="Hello there", body="x"), by=user
        )
    assert refused.value.field == "category_id"
