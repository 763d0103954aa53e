"""Knowledge-base fixtures: an index that is ready, editors, categories and articles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from community.accounts.models import Role, User
from community.extensions import db
from kb.models import Article, ArticleStatus, Category
from kb.search import engine
from kb.services import counters
from kb.services.articles import ArticleInput, save_article
from tests.conftest import UserRecord


@dataclass(frozen=True)
class ArticleRecord:
    """What a test needs of an article, usable outside an app context."""

    id: int
    slug: str
    title: str
    status: str


@pytest.fixture(autouse=True)
def search_ready(app: Flask) -> None:
    """Each test starts with an empty index, as a fresh instance would."""
    with app.app_context():
        engine(app).ensure_started()


@pytest.fixture
def editor(make_user: Callable[..., UserRecord]) -> UserRecord:
    return make_user("editor@example.com", display_name="Erin Editor", roles=[Role.EDITOR])


@pytest.fixture
def customer(make_user: Callable[..., UserRecord]) -> UserRecord:
    return make_user("customer@example.com", display_name="Casey Chen")


@pytest.fixture
def make_category(app: Flask) -> Callable[..., int]:
    def factory(slug: str = "returns", name: str = "Returns", description: str = "") -> int:
        with app.app_context():
            category = Category(slug=slug, name=name, description=description)
            db.session.add(category)
            db.session.commit()
            return category.id

    return factory


@pytest.fixture
def make_article(app: Flask, editor: UserRecord) -> Callable[..., ArticleRecord]:
    """Save an article through the services, as an editor would (published by default)."""

    def factory(
        title: str = "How do I return an item?",
        body: str = "Open your orders and choose **Return**.",
        *,
        status: ArticleStatus = ArticleStatus.PUBLISHED,
        tags: list[str] | tuple[str, ...] = (),
        category_id: int | None = None,
        slug: str | None = None,
    ) -> ArticleRecord:
        with app.test_request_context():
            author = db.session.get(User, editor.id)
            article = save_article(
                None,
                ArticleInput(title=title, body=body, category_id=category_id, tags=list(tags)),
                by=author,
                status=status,
                slug=slug,
            )
            return ArticleRecord(article.id, article.slug, article.title, article.status)

    return factory


def load_article(app: Flask, article_id: int) -> Article:
    """The article as stored now (detached, columns loaded)."""
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article is not None
        _ = (article.tags, article.category, article.attachments)
        db.session.expunge_all()
        return article


def flush_counters(app: Flask) -> None:
    with app.app_context():
        counters.flush()
