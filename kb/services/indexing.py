"""Articles as search documents: what is indexed, when, and the database fallback.

Only published articles are indexed; any other status removes the article from the index.
The change is logged in the transaction (`kb.search.changelog`) and reaches the indexes only
when it commits; replicas read the article back (`load_documents`) as they apply the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from community.extensions import db
from kb.models import Article, ArticleStatus, Category, Tag, article_tags
from kb.search import (
    FallbackRow,
    SearchDocument,
    SearchSource,
    index_after_commit,
    remove_after_commit,
)
from kb.search.analysis import is_han, stem

KIND = "article"
BATCH_SIZE = 1000


def article_url(slug: str) -> str:
    """The article's path, with or without a request in progress."""
    if has_request_context():
        return url_for("kb.article", slug=slug)
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc or "localhost", script_name=base.path or "/")
    return adapter.build("kb.article", {"slug": slug})


def article_document(article: Article) -> SearchDocument:
    return SearchDocument(
        kind=KIND,
        key=str(article.id),
        title=article.title,
        text=article.plain_text,
        url=article_url(article.slug),
        category=article.category.slug if article.category else None,
        tags=article.tag_names,
        updated_at=article.updated_at,
    )


def sync_article(article: Article) -> None:
    """Queue the index change this article's new state calls for."""
    if article.status == ArticleStatus.PUBLISHED:
        index_after_commit(article_document(article))
    else:
        remove_after_commit(KIND, str(article.id))


def published_count() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.status == ArticleStatus.PUBLISHED)
        )
        or 0
    )


def published_documents(batch_size: int = BATCH_SIZE) -> Iterator[list[SearchDocument]]:
    """Every published article, a batch at a time (only the columns search needs)."""
    last_id = 0
    while True:
        batch = _documents_where(Article.id > last_id, limit=batch_size)
        if not batch:
            return
        yield batch
        last_id = int(batch[-1].key)


def load_documents(keys: list[str]) -> dict[str, SearchDocument]:
    """The named articles that are published now, for index replicas following the log
    (a key that is not an article id, or an article since unpublished, is left out)."""
    ids = sorted({int(key) for key in keys if key.isdecimal() and len(key) < 19})
    found: dict[str, SearchDocument] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        for document in _documents_where(Article.id.in_(chunk), limit=len(chunk)):
            found[document.key] = document
    return found


def _documents_where(condition: Any, *, limit: int) -> list[SearchDocument]:
    """Published articles matching `condition`, in id order, with their tags."""
    rows = db.session.execute(
        select(
            Article.id,
            Article.slug,
            Article.title,
            Article.plain_text,
            Article.updated_at,
            Category.slug,
        )
        .outerjoin(Category, Category.id == Article.category_id)
        .where(Article.status == ArticleStatus.PUBLISHED, condition)
        .order_by(Article.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    tags: dict[int, list[str]] = {}
    for article_id, name in db.session.execute(
        select(article_tags.c.article_id, Tag.name)
        .join(Tag, Tag.id == article_tags.c.tag_id)
        .where(article_tags.c.article_id.in_(ids))
    ):
        tags.setdefault(article_id, []).append(name)
    return [
        SearchDocument(
            kind=KIND,
            key=str(article_id),
            title=title,
            text=text,
            url=article_url(slug),
            category=category,
            tags=sorted(tags.get(article_id, [])),
            updated_at=updated_at,
        )
        for article_id, slug, title, text, updated_at, category in rows
    ]


def _like_fragment(word: str) -> str:
    """What to look for in the database: Han words as typed, Latin words by their stem."""
    if is_han(word) or not word.isalpha():
        fragment = word
    else:
        stemmed = stem(word)
        fragment = stemmed[: max(3, min(len(stemmed), len(word)) - 1)]
    return re.sub(r"([\\%_])", r"\\\1", fragment)


def database_matches(words: list[str], category: str | None, limit: int) -> list[FallbackRow]:
    """Published articles holding every word, found with LIKE while the index is rebuilt."""
    if not words:
        return []
    conditions = []
    for word in words[:8]:
        pattern = f"%{_like_fragment(word)}%"
        conditions.append(
            or_(
                Article.title.ilike(pattern, escape="\\"),
                Article.plain_text.ilike(pattern, escape="\\"),
            )
        )
    query = (
        select(Article.id, Article.slug, Article.title, Article.plain_text)
        .where(Article.status == ArticleStatus.PUBLISHED, and_(*conditions))
        .order_by(Article.view_count.desc(), Article.id)
        .limit(min(limit, 200))
    )
    if category:
        query = query.join(Category, Category.id == Article.category_id).where(
            Category.slug == category
        )
    results = []
    for article_id, slug, title, text in db.session.execute(query):
        lowered = title.lower()
        in_title = sum(1 for word in words if _like_fragment(word).replace("\\", "") in lowered)
        results.append(
            FallbackRow(
                key=str(article_id),
                title=title,
                text=text,
                url=article_url(slug),
                score=1.0 + in_title,
            )
        )
    return results


SOURCE = SearchSource(
    kind=KIND,
    label=_l("Article"),
    documents=published_documents,
    count=published_count,
    fallback=database_matches,
    load=load_documents,
)
