"""Saving one imported document as an article, inside the import's batch transaction.

The steps are `articles.save_article`'s (the same checks, rendering, revision and search
change), without its commit: the import commits a batch of files at once, each file in a
SAVEPOINT of its own, so a refused file rolls back alone while a thousand files cost ten
commits instead of a thousand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from community.db import utcnow
from community.extensions import db
from community.markdown import shorten
from kb.models import Article, ArticleAlias, ArticleStatus, Category, ImportSource
from kb.services import articles, cache_keys
from kb.services.articles import ArticleInput, slugify
from kb.services.import_documents import Document
from kb.services.import_files import attach_files
from kb.services.import_links import Rewritten
from kb.services.indexing import sync_article

MAX_ALIAS = 500


def stage_article(
    article: Article | None,
    data: ArticleInput,
    *,
    by: Any,
    status: ArticleStatus,
    slug: str,
    with_article: Callable[[Article], None],
) -> Article:
    """Create or update the article and keep a revision, flushed but not committed."""
    data = articles._check(data)
    if article is None:
        article = Article(slug=slug, author_id=by.id if by else None, status=status)
        db.session.add(article)
    articles._apply_content(article, data)
    articles._set_status(article, status)
    article.updated_at = utcnow()
    article.updated_by_id = by.id if by else None
    db.session.flush()
    articles._keep_revision(article, by=by, note=data.note)
    with_article(article)
    # Everything that can fail is flushed before the search change is queued: a savepoint
    # rolled back after it would leave the change queued for an article that is not there.
    db.session.flush()
    sync_article(article)
    cache_keys.forget_article(article.slug)
    db.session.flush()
    return article


def category_id(name: str | None, cache: dict[str, int], position: int = 0) -> int | None:
    """The category with this slug or name, created (at `position`) when there is none."""
    if not name:
        return None
    slug = slugify(name, fallback="category")
    if slug not in cache:
        found = db.session.scalar(
            select(Category).where(
                (Category.slug == slug) | (func.lower(Category.name) == name.lower())
            )
        )
        if found is None:  # not cached: a refused file's savepoint takes its category away
            found = Category(slug=slug, name=name.strip()[:120], description="", position=position)
            db.session.add(found)
            db.session.flush()
            cache_keys.forget_categories()
            return found.id
        cache[slug] = found.id
    return cache[slug]


def recorder(
    document: Document, rewritten: Rewritten, root: Path, warnings: list[str]
) -> Callable[[Article], None]:
    """What the import keeps beside the article, in the article's own savepoint."""

    def with_article(article: Article) -> None:
        source = db.session.scalar(
            select(ImportSource).where(ImportSource.article_id == article.id)
        )
        if source is None:
            source = ImportSource(article_id=article.id)
            db.session.add(source)
        source.path, source.key, source.content_hash = document.path, document.key, document.digest
        source.extra, source.position = document.extra, document.position
        if document.summary:
            article.summary = shorten(document.summary, 300)
        if document.created:
            article.created_at = document.created
            if article.status == ArticleStatus.PUBLISHED:
                article.published_at = document.created
        if document.modified:
            article.updated_at = document.modified
        _add_aliases(article, document, warnings)
        attach_files(article, root, rewritten.files, warnings)

    return with_article


def _add_aliases(article: Article, document: Document, warnings: list[str]) -> None:
    own = document.source_alias
    wanted = list(dict.fromkeys([*document.aliases, *([own] if own else [])]))
    owners = dict(
        db.session.execute(
            select(ArticleAlias.path, ArticleAlias.article_id).where(ArticleAlias.path.in_(wanted))
        ).all()
    )
    for alias in wanted:
        if alias in owners and owners[alias] != article.id and alias != own:
            warnings.append(
                _("the old address '%(alias)s' belongs to another article", alias=alias)
            )
        elif alias not in owners and len(alias) <= MAX_ALIAS:
            db.session.add(ArticleAlias(article_id=article.id, path=alias))
