"""Migration 0013 gives rows written before it the language of their text, on SQLite and
PostgreSQL, and keeps everything that hangs off them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, column, create_engine, select, table
from sqlalchemy.exc import DBAPIError

from community.config import normalise_database_url
from community.db import UTCDateTime
from tests.conftest import TEST_SECRET, create_postgres_database, drop_postgres_database
from tests.services import postgres_available, require_service, run_flask

pytestmark = pytest.mark.slow

BEFORE = "0012_support_request_timezone"
REVISION = "0013_content_language"
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LONG_ENGLISH = "Open your orders and choose Return. " * 200  # past the 3,000 characters read

ARTICLES = table(
    "kb_articles",
    *(column(name) for name in ("id", "slug", "title", "status", "body", "body_html")),
    column("toc", JSON()),
    *(column(name) for name in ("plain_text", "summary", "view_count", "helpful_yes")),
    *(column(name) for name in ("helpful_no", "revision_number")),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
)
REVISIONS = table(
    "kb_revisions",
    *(column(name) for name in ("article_id", "number", "title", "body", "status", "note")),
    column("tags", JSON()),
    column("created_at", UTCDateTime()),
)
CATEGORIES = table(
    "forum_categories",
    *(column(name) for name in ("id", "slug", "name", "description", "position")),
    *(column(name) for name in ("announcement_only", "topic_count", "post_count", "version")),
    column("created_at", UTCDateTime()),
)
ANNOUNCEMENTS = table(
    "vip_announcements",
    *(column(name) for name in ("id", "title", "body", "body_html")),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
)
# (title, text the language is told from, the language 0013 must give it)
OLD_ARTICLES = [
    ("How do I return an item?", "Open your orders and choose Return.", "en"),
    ("如何办理退货手续", "在订单页面选择退货。", "zh"),
    ("iPhone 发票", "在账户页面下载 iPhone 订单的发票。", "zh"),  # an English word, Chinese text
    ("退货", LONG_ENGLISH + "退货" * 400, "en"),  # the Chinese lies past what is read
    ("", "", "en"),
]
OLD_CATEGORIES = [
    ("Shipping", "Tracking and delivery.", "en"),
    ("物流配送", "物流查询与派送。", "zh"),
    ("Devices · 设备", "Printers, headphones and drivers.", "en"),
]
OLD_ANNOUNCEMENTS = [
    ("Priority shipping", "Every VIP order ships the **same day**.", "en"),
    ("春节发货安排", "春节期间照常发货。", "zh"),
]


@pytest.fixture(autouse=True)
def search_ready() -> None:
    """No app and no index here: the migrations run in `flask` processes of their own."""


def _database(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    require_service("PostgreSQL", postgres_available())
    return create_postgres_database("language_backfill")


def _old_rows(connection) -> None:
    """Rows as a site at revision 0012 wrote them: no language anywhere."""
    for number, (title, text, _language) in enumerate(OLD_ARTICLES, start=1):
        connection.execute(
            ARTICLES.insert().values(
                id=number, slug=f"a{number}", title=title, status="published", body=text,
                body_html=f"<p>{text}</p>", toc=[], plain_text=text, summary="", view_count=0,
                helpful_yes=0, helpful_no=0, revision_number=1, created_at=WHEN, updated_at=WHEN,
            )
        )  # fmt: skip
        connection.execute(
            REVISIONS.insert().values(
                article_id=number, number=1, title=title, body=text, status="published",
                note="", tags=[], created_at=WHEN,
            )
        )  # fmt: skip
    for number, (name, description, _language) in enumerate(OLD_CATEGORIES, start=1):
        connection.execute(
            CATEGORIES.insert().values(
                id=number, slug=f"c{number}", name=name, description=description,
                position=number, announcement_only=False, topic_count=0, post_count=0,
                version=1, created_at=WHEN,
            )
        )  # fmt: skip
    for number, (title, body, _language) in enumerate(OLD_ANNOUNCEMENTS, start=1):
        connection.execute(
            ANNOUNCEMENTS.insert().values(
                id=number, title=title, body=body, body_html="", created_at=WHEN, updated_at=WHEN
            )
        )


def _languages(connection, name: str, title_column: str) -> list[tuple[str, str]]:
    rows = connection.execute(
        select(column(title_column), column("language"))
        .select_from(table(name))
        .order_by(column("id"))
    )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_old_rows_get_the_language_of_their_text(kind, tmp_path):
    """Articles, forum categories and VIP announcements written before 0013 come out with the
    language their text is in; revisions stay with their articles; 0012 comes back whole."""
    url = _database(kind, tmp_path)
    env = {"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET}
    instance = tmp_path / "instance"
    engine = create_engine(normalise_database_url(url))
    try:
        run_flask(instance, env, "db", "upgrade", BEFORE)
        with engine.begin() as connection:
            _old_rows(connection)
        run_flask(instance, env, "db", "upgrade", REVISION)
        with engine.connect() as connection:
            assert _languages(connection, "kb_articles", "title") == [
                (title, language) for title, _text, language in OLD_ARTICLES
            ]
            assert _languages(connection, "forum_categories", "name") == [
                (name, language) for name, _text, language in OLD_CATEGORIES
            ]
            assert _languages(connection, "vip_announcements", "title") == [
                (title, language) for title, _text, language in OLD_ANNOUNCEMENTS
            ]
            revisions = connection.execute(select(REVISIONS.c.article_id)).scalars().all()
            assert sorted(revisions) == list(range(1, len(OLD_ARTICLES) + 1))

        run_flask(instance, env, "db", "downgrade", BEFORE)
        with engine.connect() as connection:
            titles = (
                connection.execute(select(ARTICLES.c.title).order_by(ARTICLES.c.id)).scalars().all()
            )
            assert titles == [title for title, _text, _language in OLD_ARTICLES]
            with pytest.raises(DBAPIError, match="language"):
                connection.execute(select(column("language")).select_from(table("kb_articles")))
    finally:
        engine.dispose()
        if kind == "postgresql":
            drop_postgres_database(url)
