"""Knowledge-base data: categories, articles with their revisions, tags, files and feedback."""

from __future__ import annotations

import enum
import html
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from community.markdown import HEADING_ID_PREFIX
from kb.languages import ENGLISH, LANGUAGE_LENGTH, detected_from

# A page this long, or with this many headings, opens with its contents list.
CONTENTS_MIN_HEADINGS = 6
CONTENTS_MIN_CHARACTERS = 20_000


class ArticleStatus(enum.StrEnum):
    """Only published articles reach customers and the search index."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


article_tags = Table(
    "kb_article_tags",
    db.metadata,
    Column("article_id", ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("kb_tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(db.Model):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Tag(db.Model):
    __tablename__ = "kb_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased on the way in, so `Exception` and `exception` are one tag.
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Article(db.Model):
    __tablename__ = "kb_articles"
    __table_args__ = (
        Index("ix_kb_articles_status_published", "status", "published_at"),
        Index("ix_kb_articles_status_views", "status", "view_count"),
        Index("ix_kb_articles_category_status", "category_id", "status"),
        # "Most read" in the reader's language: the published rows of one language by reads.
        Index("ix_kb_articles_status_language_views", "status", "language", "view_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT)
    # The Markdown source, and what render_markdown made of it on save.
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    toc: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The words without markup: what search indexes and what the database fallback scans.
    plain_text: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    # "en" or "zh": the editor's choice, else told from the text (`kb.languages`); an
    # INSERT written by hand that names none gets "en".
    language: Mapped[str] = mapped_column(
        String(LANGUAGE_LENGTH),
        default=detected_from("title", "plain_text"),
        server_default=ENGLISH,
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(default=0)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    revision_number: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(
        secondary=article_tags, lazy="selectin", order_by=Tag.name
    )
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug} {self.status}>"

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    @property
    def contents(self) -> list[dict[str, Any]]:
        """The h2/h3 headings as links to them: `{"id", "name", "children"}`, each id as the
        page has it (the sanitiser prefixes ids a body sets itself) and each name as text."""

        def entry(token: dict[str, Any]) -> dict[str, Any]:
            identifier = str(token.get("id") or "")
            if not identifier.startswith(HEADING_ID_PREFIX):
                identifier = HEADING_ID_PREFIX + identifier
            return {
                "id": identifier,
                "name": html.unescape(str(token.get("name") or "")),
                "children": [entry(child) for child in token.get("children") or []],
            }

        return [entry(token) for token in self.toc or []]

    @property
    def has_long_contents(self) -> bool:
        """Long enough for a contents list at the top: many headings, or a long body."""
        tokens = self.toc or []
        headings = len(tokens) + sum(len(token.get("children") or []) for token in tokens)
        long_body = len(self.body or "") > CONTENTS_MIN_CHARACTERS
        return bool(tokens) and (headings >= CONTENTS_MIN_HEADINGS or long_body)


class Revision(db.Model):
    """A snapshot taken on every save: who changed what, and a state to restore."""

    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="SET NULL")
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()
    category: Mapped[Category | None] = relationship()


class Attachment(db.Model):
    """A downloadable file; stored under the instance folder by a random name."""

    __tablename__ = "kb_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="attachments")


class Feedback(db.Model):
    """One answer to "Was this helpful?"."""

    __tablename__ = "kb_feedback"
    __table_args__ = (Index("ix_kb_feedback_article_created", "article_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    helpful: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    article: Mapped[Article] = relationship()
    user: Mapped[User | None] = relationship()


class SearchStat(db.Model):
    """Searches counted per day and query, for insights (never who searched)."""

    __tablename__ = "kb_search_stats"
    __table_args__ = (UniqueConstraint("day", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    query: Mapped[str] = mapped_column(String(200))
    searches: Mapped[int] = mapped_column(default=0)
    zero_results: Mapped[int] = mapped_column(default=0)


class ImportSource(db.Model):
    """Where an imported article came from: its identity across imports of the same folder.

    `path` is the file's path inside the imported folder; `key` an explicit `import_key`
    that survives a move; `content_hash` lets a re-import skip a file that has not changed.
    """

    __tablename__ = "kb_import_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), unique=True
    )
    path: Mapped[str] = mapped_column(String(500), unique=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # Front-matter fields Portico has no column for, kept as they were given.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship()


class ArticleAlias(db.Model):
    """An old address of an article (`aliases`, `redirect_from`, its source file): a 301."""

    __tablename__ = "kb_article_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(500), unique=True)
