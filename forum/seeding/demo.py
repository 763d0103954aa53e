"""`seed-demo` for the forum: four categories and a handful of topics, written once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from community.accounts.models import User
from community.accounts.services import find_user_by_email
from community.db import utcnow
from community.extensions import db
from forum.content import render_body, slugify
from forum.models import ForumCategory, Post, Topic, TopicTag, TopicUser
from forum.seeding.demo_content import DEMO_CATEGORIES, DEMO_TOPICS
from forum.services import counters
from forum.services.indexing import sync_topic
from forum.services.profiles import ensure_profile, linked_mentions
from kb.languages import BOTH
from kb.search import engine


def _categories() -> dict[str, ForumCategory]:
    """The demo categories by slug, created when missing."""
    found = {}
    for position, (slug, name, description, announcements) in enumerate(DEMO_CATEGORIES):
        category = db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))
        if category is None:
            category = ForumCategory(
                slug=slug,
                name=name,
                description=description,
                position=position,
                announcement_only=announcements,
                language=BOTH,  # every demo category is named in both languages
            )
            db.session.add(category)
        found[slug] = category
    db.session.flush()
    return found


def _write_posts(topic: Topic, posts: list[tuple[User, str]], started: datetime) -> list[Post]:
    """The question and its replies, three hours apart, with their mentions linked."""
    rows = []
    for number, (person, body) in enumerate(posts, start=1):
        ensure_profile(person)
        people, html = linked_mentions(render_body(body))
        post = Post(
            topic_id=topic.id,
            number=number,
            author_id=person.id,
            body=body,
            body_html=html,
            by_staff=person.is_staff,
            created_at=started + timedelta(hours=3 * (number - 1)),
            mentioned_ids=[user.id for user in people.values()],
        )
        db.session.add(post)
        rows.append(post)
    db.session.flush()
    return rows


def _write_topic(
    category: ForumCategory,
    title: str,
    tags: list[str],
    pinned: bool,
    posts: list[tuple[User, str]],
    accepted: int | None,
    started: datetime,
) -> None:
    topic = Topic(
        category_id=category.id,
        author_id=posts[0][0].id,
        title=title,
        slug=slugify(title),
        tags=tags,
        is_pinned=pinned,
        created_at=started,
        last_posted_at=started,
        highest_number=len(posts),
    )
    db.session.add(topic)
    db.session.flush()
    rows = _write_posts(topic, posts, started)
    for tag in tags:
        db.session.add(TopicTag(topic_id=topic.id, tag=tag))
    for person_id in dict.fromkeys(person.id for person, _body in posts):
        db.session.add(TopicUser(topic_id=topic.id, user_id=person_id, watching=True))
    if accepted is not None:
        topic.accepted_post_id = rows[accepted].id
        topic.solved_at = rows[-1].created_at
    counters.refresh_topic(topic)
    sync_topic(topic)


def seed_demo() -> None:
    """Categories and a handful of topics in English and Chinese; running it twice adds none."""
    engine().ensure_started()
    found = _categories()
    people = {
        email: find_user_by_email(email)
        for email in {email for *_rest, posts, _accepted in DEMO_TOPICS for email, _body in posts}
    }
    now = utcnow()
    for index, (slug, title, tags, pinned, posts, accepted) in enumerate(DEMO_TOPICS):
        if db.session.scalar(select(Topic.id).where(Topic.title == title)) is not None:
            continue
        authors = [(people[email], body) for email, body in posts]
        if any(person is None for person, _body in authors):
            continue  # the demo accounts were removed: nothing sensible to write
        started = now - timedelta(days=len(DEMO_TOPICS) - index, hours=5)
        _write_topic(found[slug], title, tags, pinned, authors, accepted, started)  # type: ignore[arg-type]
    for category in found.values():
        counters.refresh_category(category.id)
    db.session.commit()
