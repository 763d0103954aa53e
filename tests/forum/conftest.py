"""Forum fixtures: members (established or new), categories, topics and replies.

Topics and replies are written through the services, as a member would write them. The
test app lets established members post back to back; the sandbox tests set the limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from forum.models import ForumCategory, Post, Topic
from forum.services import posting
from kb.search import engine
from tests.conftest import UserRecord

FAST = {"FORUM_SECONDS_BETWEEN_POSTS": 0, "FORUM_SANDBOX_SECONDS_BETWEEN_POSTS": 0}


@dataclass(frozen=True)
class TopicRecord:
    id: int
    slug: str
    title: str
    post_id: int
    category_id: int

    @property
    def path(self) -> str:
        return f"/forum/t/{self.id}/{self.slug}"


@dataclass(frozen=True)
class PostRecord:
    id: int
    number: int
    topic_id: int


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The test app, with an empty search index, as a fresh instance would have."""
    forum_app = make_app(**FAST)
    with forum_app.app_context():
        engine(forum_app).ensure_started()
    return forum_app


def age_account(app: Flask, user_id: int, days: int = 30) -> None:
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


@pytest.fixture
def make_member(app: Flask, make_user: Callable[..., UserRecord]) -> Callable[..., UserRecord]:
    """A member past the new-member sandbox, unless `new=True`."""

    def factory(
        email: str | None = None,
        *,
        display_name: str | None = None,
        roles: list[Role] | tuple[Role, ...] = (),
        confirmed: bool = True,
        new: bool = False,
    ) -> UserRecord:
        person = make_user(email, display_name=display_name, roles=roles, confirmed=confirmed)
        if not new:
            age_account(app, person.id)
        return person

    return factory


@pytest.fixture
def asker(make_member: Callable[..., UserRecord]) -> UserRecord:
    return make_member("asker@example.com", display_name="Casey Chen")


@pytest.fixture
def helper(make_member: Callable[..., UserRecord]) -> UserRecord:
    return make_member("helper@example.com", display_name="Harper Lee")


@pytest.fixture
def moderator(make_member: Callable[..., UserRecord]) -> UserRecord:
    return make_member("mod@example.com", display_name="Mona Moderator", roles=[Role.MODERATOR])


@pytest.fixture
def make_category(app: Flask) -> Callable[..., int]:
    counter = iter(range(1, 1000))

    def factory(
        name: str | None = None, *, slug: str | None = None, announcement_only: bool = False
    ) -> int:
        number = next(counter)
        with app.app_context():
            category = ForumCategory(
                slug=slug or f"category-{number}",
                name=name or f"ForumCategory {number}",
                announcement_only=announcement_only,
                position=number,
            )
            db.session.add(category)
            db.session.commit()
            return category.id

    return factory


@pytest.fixture
def category(make_category: Callable[..., int]) -> int:
    return make_category("Devices", slug="devices")


@contextmanager
def as_user(app: Flask, user_id: int) -> Iterator[User]:
    """A request context with the person loaded, for calling services directly."""
    with app.test_request_context():
        yield db.session.get_one(User, user_id)


@pytest.fixture
def make_topic(app: Flask, category: int) -> Callable[..., TopicRecord]:
    counter = iter(range(1, 10_000))

    def factory(
        author: UserRecord,
        title: str | None = None,
        body: str | None = None,
        *,
        category_id: int | None = None,
        tags: list[str] | tuple[str, ...] = (),
    ) -> TopicRecord:
        number = next(counter)
        with as_user(app, author.id) as user:
            topic = posting.create_topic(
                posting.TopicInput(
                    category_id=category_id or category,
                    title=title or f"Printer question number {number}",
                    body=body or f"My printer does something odd, case {number}.",
                    tags=list(tags),
                ),
                by=user,
            )
            first = db.session.get_one(Post, _first_post_id(topic))
            return TopicRecord(topic.id, topic.slug, topic.title, first.id, topic.category_id)

    return factory


def _first_post_id(topic: Topic) -> int:
    return db.session.scalars(
        db.select(Post.id).where(Post.topic_id == topic.id, Post.number == 1)
    ).one()


@pytest.fixture
def make_reply(app: Flask) -> Callable[..., PostRecord]:
    counter = iter(range(1, 10_000))

    def factory(
        author: UserRecord, topic: TopicRecord | int, body: str | None = None
    ) -> PostRecord:
        topic_id = topic if isinstance(topic, int) else topic.id
        with as_user(app, author.id) as user:
            found = db.session.get_one(Topic, topic_id)
            post = posting.create_reply(
                found, body or f"Have you tried turning it off, idea {next(counter)}?", by=user
            )
            return PostRecord(post.id, post.number, post.topic_id)

    return factory


def load_topic(app: Flask, topic_id: int) -> Topic:
    with app.app_context():
        topic = db.session.get_one(Topic, topic_id)
        db.session.expunge(topic)
        return topic


def load_post(app: Flask, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get_one(Post, post_id)
        db.session.expunge(post)
        return post
