"""Demo topics for `seed-demo`, and generated ones for `seed-bulk --topics N --posts-per-topic N`.

Seeding writes rows directly (the sandbox would rightly stop brand-new demo accounts from
posting a dozen times a minute), then brings the stored counters and the search index up
to date through the same functions the services use.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from html import escape

import click
from sqlalchemy import insert, select, update

from community.accounts.models import User
from community.accounts.services import find_user_by_email
from community.db import utcnow
from community.extensions import db
from forum.content import link_mentions, render_body, slugify
from forum.demo_content import DEMO_CATEGORIES, DEMO_TOPICS
from forum.models import ForumCategory, Post, Topic, TopicTag, TopicUser
from forum.paths import member_path
from forum.services import counters, indexing
from forum.services.indexing import sync_topic
from forum.services.profiles import ensure_profile, people_named
from kb.search import engine, index_after_commit


def _categories() -> dict[str, ForumCategory]:
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
            )
            db.session.add(category)
        found[slug] = category
    db.session.flush()
    return found


def _write_topic(
    category: ForumCategory,
    title: str,
    tags: list[str],
    pinned: bool,
    posts: list[tuple[User, str]],
    accepted: int | None,
    started: datetime,
) -> None:
    author = posts[0][0]
    topic = Topic(
        category_id=category.id,
        author_id=author.id,
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
    rows = []
    for number, (person, body) in enumerate(posts, start=1):
        ensure_profile(person)
        rendered = render_body(body)
        people = people_named(rendered.mentions)
        post = Post(
            topic_id=topic.id,
            number=number,
            author_id=person.id,
            body=body,
            body_html=link_mentions(
                rendered.html, {key: str(user.id) for key, user in people.items()}, member_path
            ),
            by_staff=person.is_staff,
            created_at=started + timedelta(hours=3 * (number - 1)),
            mentioned_ids=[user.id for user in people.values()],
        )
        db.session.add(post)
        rows.append(post)
    db.session.flush()
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
    categories = _categories()
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
        _write_topic(categories[slug], title, tags, pinned, authors, accepted, started)  # type: ignore[arg-type]
    for category in categories.values():
        counters.refresh_category(category.id)
    db.session.commit()


# Bulk ----------------------------------------------------------------------------------------
BATCH = 500
SOLVED_SHARE = 0.3
WORDS = [
    "printer",
    "driver",
    "install",
    "error",
    "update",
    "firmware",
    "battery",
    "charger",
    "cable",
    "screen",
    "order",
    "refund",
    "return",
    "parcel",
    "delivery",
    "courier",
    "address",
    "tracking",
    "account",
    "password",
    "invoice",
    "payment",
    "warranty",
    "repair",
    "replacement",
    "headphones",
    "bluetooth",
    "router",
    "wifi",
    "reset",
    "restart",
    "settings",
    "works",
    "again",
    "tried",
    "already",
    "still",
    "same",
    "problem",
    "thanks",
    "help",
    "please",
    "anyone",
    "idea",
    "new",
    "old",
]
CHINESE = [
    "退货",
    "退款",
    "快递",
    "包裹",
    "订单",
    "发货",
    "维修",
    "耳机",
    "蓝牙",
    "签收",
    "打印机",
    "驱动",
    "固件",
    "密码",
    "发票",
]


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return "".join(rng.choice(CHINESE) for _ in range(rng.randint(3, 7))) + "。"
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random) -> tuple[str, str]:
    """Markdown and its HTML for plain generated paragraphs (nothing to render)."""
    paragraphs = [
        " ".join(_sentence(rng) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 3))
    ]
    return "\n\n".join(paragraphs), "".join(f"<p>{escape(text)}</p>" for text in paragraphs)


def _title(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return "".join(rng.choice(CHINESE) for _ in range(rng.randint(2, 4))) + "怎么办？"
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize() + "?"


def seed_bulk(topics: int = 0, posts_per_topic: int = 0, **_sizes: int) -> None:
    """Insert N topics with N replies each in batches, then index the solved ones."""
    if not topics:
        return
    categories = list(
        db.session.scalars(select(ForumCategory).where(ForumCategory.announcement_only.is_(False)))
    )
    if not categories:
        seed_demo()
        categories = list(
            db.session.scalars(
                select(ForumCategory).where(ForumCategory.announcement_only.is_(False))
            )
        )
    user_ids = list(
        db.session.scalars(
            select(User.id).where(User.is_active_account.is_(True)).order_by(User.id).limit(5000)
        )
    )
    staff = set(
        db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.role_rows.any()))
    )
    rng = random.Random(4242)
    now = utcnow()
    with click.progressbar(length=topics, label="forum topics", file=sys.stderr) as bar:
        for offset in range(0, topics, BATCH):
            size = min(BATCH, topics - offset)
            topic_rows = []
            for _ in range(size):
                started = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
                title = _title(rng)
                topic_rows.append(
                    {
                        "category_id": rng.choice(categories).id,
                        "author_id": rng.choice(user_ids),
                        "title": title,
                        "slug": slugify(title),
                        "tags": [],
                        "created_at": started,
                        "last_posted_at": started,
                        "highest_number": posts_per_topic + 1,
                        "post_count": posts_per_topic + 1,
                    }
                )
            ids = db.session.scalars(
                insert(Topic).returning(Topic.id, sort_by_parameter_order=True), topic_rows
            ).all()
            post_rows = []
            for topic_id, row in zip(ids, topic_rows, strict=True):
                at = row["created_at"]
                for number in range(1, posts_per_topic + 2):
                    author = row["author_id"] if number == 1 else rng.choice(user_ids)
                    body, html = _body(rng)
                    post_rows.append(
                        {
                            "topic_id": topic_id,
                            "number": number,
                            "author_id": author,
                            "body": body,
                            "body_html": html,
                            "by_staff": author in staff,
                            "created_at": at,
                            "mentioned_ids": [],
                        }
                    )
                    at = at + timedelta(minutes=rng.randint(5, 600))
                row["last_posted_at"] = min(at, now)
                row["last_poster_id"] = post_rows[-1]["author_id"]
            post_ids = db.session.scalars(
                insert(Post).returning(Post.id, sort_by_parameter_order=True), post_rows
            ).all()
            updates = []
            for index, (topic_id, row) in enumerate(zip(ids, topic_rows, strict=True)):
                first = index * (posts_per_topic + 1)
                accepted = None
                if posts_per_topic and rng.random() < SOLVED_SHARE:
                    accepted = post_ids[first + rng.randint(1, posts_per_topic)]
                updates.append(
                    {
                        "id": topic_id,
                        "last_posted_at": row["last_posted_at"],
                        "last_poster_id": row["last_poster_id"],
                        "accepted_post_id": accepted,
                        "solved_at": row["last_posted_at"] if accepted else None,
                    }
                )
            db.session.execute(update(Topic), updates)
            db.session.commit()
            bar.update(size)
    for category in categories:
        counters.refresh_category(category.id)
    db.session.commit()
    with click.progressbar(
        length=indexing.solved_count(), label="solved topics in search", file=sys.stderr
    ) as bar:
        for batch in indexing.solved_documents():
            for document in batch:
                index_after_commit(document)
            db.session.commit()
            bar.update(len(batch))
