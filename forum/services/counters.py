"""Stored counters and page versions, kept right after every change.

Lists show counts and the latest activity from columns, never by counting rows per page
view; these functions recompute them from the rows after a change. A `version` change
makes every cached copy of a page stale (the cache key holds it).
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from community.extensions import db
from forum.models import ForumCategory, Post, Topic


def refresh_topic(topic: Topic) -> None:
    """Recount the posts readers see and find the latest of them; the page changed."""
    count = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.topic_id == topic.id, Post.is_hidden.is_(False), Post.deleted_at.is_(None)
        )
    )
    latest = db.session.execute(
        select(Post.author_id, Post.created_at)
        .where(Post.topic_id == topic.id, Post.is_hidden.is_(False), Post.deleted_at.is_(None))
        .order_by(Post.number.desc())
        .limit(1)
    ).first()
    topic.post_count = count or 0
    if latest is not None:
        topic.last_poster_id, topic.last_posted_at = latest
    else:
        topic.last_poster_id, topic.last_posted_at = topic.author_id, topic.created_at
    touch_topic(topic)


def refresh_category(category_id: int) -> None:
    """Recount a category's listed topics and posts and find its latest activity."""
    db.session.flush()
    listed = (
        Topic.category_id == category_id,
        Topic.is_hidden.is_(False),
        Topic.deleted_at.is_(None),
    )
    topics, posts = db.session.execute(
        select(func.count(Topic.id), func.coalesce(func.sum(Topic.post_count), 0)).where(*listed)
    ).one()
    latest = db.session.execute(
        select(Topic.id, Topic.last_posted_at)
        .where(*listed)
        .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
        .limit(1)
    ).first()
    db.session.execute(
        update(ForumCategory)
        .where(ForumCategory.id == category_id)
        .values(
            topic_count=topics,
            post_count=posts,
            last_topic_id=latest[0] if latest else None,
            last_posted_at=latest[1] if latest else None,
            version=ForumCategory.version + 1,
        )
    )


def touch_topic(topic: Topic) -> None:
    """The topic page changed: cached copies of it are stale."""
    topic.version = Topic.version + 1


def touch_category(category_id: int) -> None:
    """The category's lists changed (order, labels), not its counts."""
    db.session.execute(
        update(ForumCategory)
        .where(ForumCategory.id == category_id)
        .values(version=ForumCategory.version + 1)
    )
