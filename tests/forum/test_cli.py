"""Commands: demo topics, bulk topics with a progress bar, and recounting stored counters."""

from __future__ import annotations

from sqlalchemy import func, select, update

from community.extensions import db
from community.seeding import seed_demo_accounts
from forum import seeding
from forum.models import ForumCategory, Post, Topic
from kb.services import search


def _count(app, *columns):
    with app.app_context():
        return tuple(db.session.execute(select(*columns)).one())


def test_demo_data_has_categories_topics_in_two_languages_and_a_solved_one(app):
    """Four categories (one for announcements), English and Chinese topics; twice adds none."""
    with app.app_context():
        seed_demo_accounts()
        seeding.seed_demo()
        seeding.seed_demo()
        categories = db.session.scalars(select(ForumCategory).order_by(ForumCategory.position))
        assert [(c.slug, c.announcement_only) for c in categories] == [
            ("announcements", True),
            ("devices", False),
            ("orders", False),
            ("shipping", False),
        ]
        titles = set(db.session.scalars(select(Topic.title)))
        assert "Printer driver fails to install on Windows 11" in titles
        assert "退货后多久能收到退款？" in titles
        assert len(titles) == db.session.scalar(select(func.count(Topic.id))) == 5
        solved = db.session.scalars(select(Topic).where(Topic.accepted_post_id.is_not(None))).one()
        answer = db.session.get_one(Post, solved.accepted_post_id)
        assert answer.by_staff and 'class="mention"' in answer.body_html
        unanswered = db.session.scalars(select(Topic).where(Topic.post_count == 1)).all()
        assert len(unanswered) == 1
    with app.test_request_context():
        assert [hit.kind for hit in search("0x80070002").hits] == ["topic"]
    client = app.test_client()
    assert "Printer driver fails to install" in client.get("/forum/c/devices").text
    assert client.get(f"/forum/t/{solved.id}/{solved.slug}").status_code == 200


def test_bulk_topics_are_inserted_in_batches_with_a_progress_bar(app):
    """`seed-bulk --topics N --posts-per-topic N` writes N topics of N + 1 posts, some solved."""
    with app.app_context():
        seed_demo_accounts()
        seeding.seed_demo()
        before = (
            db.session.scalar(select(func.count(Topic.id))),
            db.session.scalar(select(func.count(Post.id))),
        )
    result = app.test_cli_runner().invoke(
        args=["seed-bulk", "--topics", "30", "--posts-per-topic", "4"]
    )
    assert result.exit_code == 0, result.output
    assert "forum topics" in result.output
    with app.app_context():
        topics = db.session.scalar(select(func.count(Topic.id)))
        posts = db.session.scalar(select(func.count(Post.id)))
        solved = db.session.scalar(select(func.count(Topic.accepted_post_id)))
        totals = db.session.execute(
            select(func.sum(ForumCategory.topic_count), func.sum(ForumCategory.post_count))
        ).one()
    assert (topics, posts) == (before[0] + 30, before[1] + 30 * 5)
    assert solved > 1
    assert tuple(totals) == (topics, posts)
    page = app.test_client().get("/forum/c/devices")
    assert page.status_code == 200


def test_recount_repairs_stored_counters(app, asker, make_topic, make_reply, helper, category):
    """Counters changed by hand are recomputed from the rows."""
    topic = make_topic(asker)
    make_reply(helper, topic)
    with app.app_context():
        db.session.execute(update(Topic).values(post_count=99))
        db.session.execute(update(ForumCategory).values(topic_count=0, post_count=0))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["forum", "recount"])
    assert result.exit_code == 0, result.output
    assert "recounted 1 topics in 1 categories" in result.output
    assert _count(app, Topic.post_count) == (2,)
    with app.app_context():
        stored = db.session.get_one(ForumCategory, category)
        assert (stored.topic_count, stored.post_count) == (1, 2)
