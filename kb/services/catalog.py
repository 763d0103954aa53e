"""Finding and listing articles: what readers, editors and other features look up.

Reads only; every write is in `kb.services.articles`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from community.errors import NotFound
from community.extensions import cache, db
from kb.models import (
    Article,
    ArticleAlias,
    ArticleStatus,
    Category,
    ImportSource,
    Tag,
    article_tags,
)
from kb.policy import require_editor, require_readable
from kb.search.chinese import language_of
from kb.services import cache_keys
from kb.services.indexing import article_url


@dataclass(frozen=True)
class ArticleLink:
    """A published article as other features show it: a title and where it lives."""

    title: str
    url: str

    @property
    def language(self) -> str:
        return language_of(self.title)


# Lists of "most read" or "related" articles show the reader's language first and the others
# after (labelled by the templates): they are read from this many times the places they fill.
CANDIDATES_PER_PLACE = 4


# What a list of articles shows: read without the bodies, as lists read four times the
# articles they show (a body can be a megabyte).
LISTED = load_only(Article.id, Article.slug, Article.title, Article.summary, Article.view_count)


def reader_language() -> str:
    """The language of the page being read, as an article's language is told: "zh" or "en"."""
    return "zh" if str(get_locale() or "en").startswith("zh") else "en"


def reader_language_first(items: list[Any], title: Callable[[Any], str], limit: int) -> list[Any]:
    """`items` in their order, those in the reader's language first; at most `limit`."""
    wanted = reader_language()
    mine = [item for item in items if language_of(title(item)) == wanted]
    others = [item for item in items if language_of(title(item)) != wanted]
    return (mine + others)[:limit]


def find_article(slug: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.slug == slug))


def slug_for_alias(old_path: str) -> str | None:
    """The published article an old address (`/docs/install/`, `install.html`) now lives at."""
    path = old_path.strip().strip("/")
    for suffix in ("/index.html", ".html", "/index"):
        path = path.removesuffix(suffix)
    return db.session.scalar(
        select(Article.slug)
        .join(ArticleAlias, ArticleAlias.article_id == Article.id)
        .where(ArticleAlias.path == path, Article.status == ArticleStatus.PUBLISHED)
    )


def readable_article(slug: str, user: Any) -> Article:
    """The article at `slug` if this person may read it; 404 otherwise."""
    return require_readable(find_article(slug), user)


def editable_article(slug: str, user: Any) -> Article:
    """The article at `slug` for an editor; 403 for others, 404 when missing."""
    require_editor(user)
    article = find_article(slug)
    if article is None:
        raise NotFound()
    return article


def articles_tagged(tag: str, *, limit: int = 5) -> list[ArticleLink]:
    """Published articles carrying `tag`, most read first (tracking links help for an
    event code such as `exception` or `attempt_failed`)."""
    rows = db.session.execute(
        select(Article.title, Article.slug)
        .join(article_tags, article_tags.c.article_id == Article.id)
        .join(Tag, Tag.id == article_tags.c.tag_id)
        .where(Tag.name == tag.strip().lower(), Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.view_count.desc(), Article.id)
        .limit(limit)
    ).all()
    return [ArticleLink(title=title, url=article_url(slug)) for title, slug in rows]


@dataclass(frozen=True)
class CategoryChoice:
    id: int
    slug: str
    name: str


def category_choices() -> list[CategoryChoice]:
    """Categories for filters and menus, from the process cache (they rarely change)."""
    choices = cache.get(cache_keys.CATEGORY_CHOICES)
    if choices is None:
        choices = [
            CategoryChoice(category.id, category.slug, category.name) for category in categories()
        ]
        cache.set(cache_keys.CATEGORY_CHOICES, choices, timeout=60)
    return choices


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def find_category(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def published_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Article.category_id, func.count())
        .where(Article.status == ArticleStatus.PUBLISHED)
        .group_by(Article.category_id)
    ).all()
    return {category_id: count for category_id, count in rows if category_id is not None}


def popular_articles(limit: int = 5) -> list[Article]:
    """The most read articles, those in the reader's language first."""
    found = db.session.scalars(
        select(Article)
        .options(LISTED)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.view_count.desc(), Article.id)
        .limit(limit * CANDIDATES_PER_PLACE)
    )
    return reader_language_first(list(found), _title, limit)


def _title(article: Any) -> str:
    return article.title


def popular_links(limit: int = 5) -> list[ArticleLink]:
    """The most read articles as titles and addresses only, for the home page's panel:
    loading whole articles (bodies, category, tags) cost more than the rest of the panel."""
    rows = db.session.execute(
        select(Article.slug, Article.title)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.view_count.desc(), Article.id)
        .limit(limit * CANDIDATES_PER_PLACE)
    )
    links = [ArticleLink(title=title, url=article_url(slug)) for slug, title in rows]
    return reader_language_first(links, _title, limit)


def newest_articles(limit: int = 5) -> list[Article]:
    return list(
        db.session.scalars(
            select(Article)
            .where(Article.status == ArticleStatus.PUBLISHED)
            .order_by(Article.published_at.desc(), Article.id.desc())
            .limit(limit)
        )
    )


def category_articles(category: Category, *, page: int, per_page: int = 20) -> Any:
    """A category's articles: imported ones in their source's order (a file's `weight`,
    Zendesk's `position`), then the others, most read first."""
    position = ImportSource.position
    query = (
        select(Article)
        .outerjoin(ImportSource, ImportSource.article_id == Article.id)
        .where(Article.category_id == category.id, Article.status == ArticleStatus.PUBLISHED)
        .order_by(position.is_(None), position, Article.view_count.desc(), Article.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def related_articles(article: Article, limit: int = 5) -> list[Article]:
    """Articles sharing the most tags, then the most read of the same category; those in the
    reader's language first, the others after."""
    wanted = limit * CANDIDATES_PER_PLACE
    related: list[Article] = []
    tag_ids = [tag.id for tag in article.tags]
    if tag_ids:
        shared = func.count().label("shared")
        rows = db.session.execute(
            select(Article, shared)
            .options(LISTED)
            .join(article_tags, article_tags.c.article_id == Article.id)
            .where(
                article_tags.c.tag_id.in_(tag_ids),
                Article.id != article.id,
                Article.status == ArticleStatus.PUBLISHED,
            )
            .group_by(Article.id)
            .order_by(shared.desc(), Article.view_count.desc(), Article.id)
            .limit(wanted)
        ).all()
        related.extend(row[0] for row in rows)
    if len(related) < wanted and article.category_id is not None:
        seen = [article.id, *(item.id for item in related)]
        related.extend(
            db.session.scalars(
                select(Article)
                .options(LISTED)
                .where(
                    Article.category_id == article.category_id,
                    Article.status == ArticleStatus.PUBLISHED,
                    Article.id.not_in(seen),
                )
                .order_by(Article.view_count.desc(), Article.id)
                .limit(wanted - len(related))
            )
        )
    return reader_language_first(related, _title, limit)


def editor_articles(user: Any, *, status: str | None, page: int, per_page: int = 25) -> Any:
    """Every article, newest change first, for the editors' list."""
    require_editor(user)
    query = select(Article).order_by(Article.updated_at.desc(), Article.id.desc())
    if status in {item.value for item in ArticleStatus}:
        query = query.where(Article.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Article.status, func.count()).group_by(Article.status)).all()
    counts = {item.value: 0 for item in ArticleStatus}
    counts.update(dict(rows))
    return counts
