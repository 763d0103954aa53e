"""`seed-bulk --topics N --posts-per-topic N` for the forum: generated topics in batches.

Topics and their replies are inserted a batch at a time (one statement per table), about a
third of them solved; the categories' counters and the search index then catch up.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

import click
from sqlalchemy import insert, select, update

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from forum.content import slugify
from forum.models import ForumCategory, Post, Topic
from forum.seeding.demo import seed_demo
from forum.services import counters, indexing
from kb.search import index_after_commit

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


def _open_categories() -> list[ForumCategory]:
    return list(
        db.session.scalars(select(ForumCategory).where(ForumCategory.announcement_only.is_(False)))
    )


def _authors() -> tuple[list[int], set[int]]:
    """Active members to write as (the first 5,000), and which of them are staff."""
    user_ids = list(
        db.session.scalars(
            select(User.id).where(User.is_active_account.is_(True)).order_by(User.id).limit(5000)
        )
    )
    staff = set(
        db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.role_rows.any()))
    )
    return user_ids, staff


@dataclass
class _Batch:
    """Generates batches of topics: their rows, then their posts, then their answers."""

    rng: random.Random
    categories: list[ForumCategory]
    user_ids: list[int]
    staff: set[int]
    replies: int  # in each topic
    now: datetime

    def topic_rows(self, size: int) -> list[dict[str, Any]]:
        rows = []
        for _ in range(size):
            started = self.now - timedelta(minutes=self.rng.randint(60, 365 * 24 * 60))
            title = _title(self.rng)
            rows.append(
                {
                    "category_id": self.rng.choice(self.categories).id,
                    "author_id": self.rng.choice(self.user_ids),
                    "title": title,
                    "slug": slugify(title),
                    "tags": [],
                    "created_at": started,
                    "last_posted_at": started,
                    "highest_number": self.replies + 1,
                    "post_count": self.replies + 1,
                }
            )
        return rows

    def post_rows(self, ids: list[int], topic_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each topic's posts, minutes to hours apart; the topic learns its latest post."""
        rows: list[dict[str, Any]] = []
        for topic_id, row in zip(ids, topic_rows, strict=True):
            at = row["created_at"]
            for number in range(1, self.replies + 2):
                author = row["author_id"] if number == 1 else self.rng.choice(self.user_ids)
                body, html = _body(self.rng)
                rows.append(
                    {
                        "topic_id": topic_id,
                        "number": number,
                        "author_id": author,
                        "body": body,
                        "body_html": html,
                        "by_staff": author in self.staff,
                        "created_at": at,
                        "mentioned_ids": [],
                    }
                )
                at = at + timedelta(minutes=self.rng.randint(5, 600))
            row["last_posted_at"] = min(at, self.now)
            row["last_poster_id"] = rows[-1]["author_id"]
        return rows

    def topic_updates(
        self, ids: list[int], topic_rows: list[dict[str, Any]], post_ids: list[int]
    ) -> list[dict[str, Any]]:
        """The latest activity of each topic, and an accepted reply for about a third."""
        updates = []
        for index, (topic_id, row) in enumerate(zip(ids, topic_rows, strict=True)):
            first = index * (self.replies + 1)
            accepted = None
            if self.replies and self.rng.random() < SOLVED_SHARE:
                accepted = post_ids[first + self.rng.randint(1, self.replies)]
            updates.append(
                {
                    "id": topic_id,
                    "last_posted_at": row["last_posted_at"],
                    "last_poster_id": row["last_poster_id"],
                    "accepted_post_id": accepted,
                    "solved_at": row["last_posted_at"] if accepted else None,
                }
            )
        return updates

    def write(self, size: int) -> None:
        """Insert `size` topics with their posts and commit them."""
        topic_rows = self.topic_rows(size)
        ids = db.session.scalars(
            insert(Topic).returning(Topic.id, sort_by_parameter_order=True), topic_rows
        ).all()
        post_rows = self.post_rows(list(ids), topic_rows)
        post_ids = db.session.scalars(
            insert(Post).returning(Post.id, sort_by_parameter_order=True), post_rows
        ).all()
        db.session.execute(update(Topic), self.topic_updates(list(ids), topic_rows, list(post_ids)))
        db.session.commit()


def _index_solved() -> None:
    with click.progressbar(
        length=indexing.solved_count(), label="solved topics in search", file=sys.stderr
    ) as bar:
        for batch in indexing.solved_documents():
            for document in batch:
                index_after_commit(document)
            db.session.commit()
            bar.update(len(batch))


def seed_bulk(topics: int = 0, posts_per_topic: int = 0, **_sizes: int) -> None:
    """Insert N topics with N replies each in batches, then index the solved ones."""
    if not topics:
        return
    categories = _open_categories()
    if not categories:
        seed_demo()
        categories = _open_categories()
    user_ids, staff = _authors()
    batch = _Batch(random.Random(4242), categories, user_ids, staff, posts_per_topic, utcnow())
    with click.progressbar(length=topics, label="forum topics", file=sys.stderr) as bar:
        for offset in range(0, topics, BATCH):
            size = min(BATCH, topics - offset)
            batch.write(size)
            bar.update(size)
    for category in categories:
        counters.refresh_category(category.id)
    db.session.commit()
    _index_solved()
