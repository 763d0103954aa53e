"""Finding and listing articles: what readers, editors and other features look up.

Reads only; every write is in `kb.services.articles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload, load_only

from community.errors import NotFound
from community.extensions import cache, db
from kb.languages import BOTH, ENGLISH, is_readers, other_language_first, reader_language
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
from kb.services import cache_keys
from kb.services.indexing import article_url


@dataclass(frozen=True)
class ArticleLink:
    """A published article as other features show it: a title, where it lives, its language."""

    title: str
    url: str
    language: str = ENGLISH


# What a list of articles shows: read without the bodies (a body can be a megabyte), and
# without the category and tags the article page loads along (a list never shows them).
LISTED = (
    load_only(
        Article.id,
        Article.slug,
        Article.title,
        Article.summary,
        Article.view_count,
        Article.language,
    ),
    lazyload("*"),
)

# "Most read" lists: by reads, ties in the order the articles were written.
MOST_READ = (Article.view_count.desc(), Article.id)


def reader_language_first(query: Select[Any], *order: Any, limit: int) -> list[Any]:
    """The rows of `query` in `order`, those in the reader's language before the others
    (the templates label those), at most `limit`.

    Read as the reader's language, then the others only when those run short: each part is
    an index scan that stops at the rows a list shows, where one ORDER BY
    `language != reader` would sort every published article to find five."""
    readers = [reader_language(), BOTH]
    found = list(
        db.session.execute(query.where(Article.language.in_(readers)).order_by(*order).limit(limit))
    )
    if len(found) < limit:
        others = query.where(Article.language.not_in(readers)).order_by(*order)
        found += db.session.execute(others.limit(limit - len(found)))
    return found


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
        select(Article.title, Article.slug, Article.language)
        .join(article_tags, article_tags.c.article_id == Article.id)
        .join(Tag, Tag.id == article_tags.c.tag_id)
        .where(Tag.name == tag.strip().lower(), Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.view_count.desc(), Article.id)
        .limit(limit)
    ).all()
    return [
        ArticleLink(title=title, url=article_url(slug), language=language)
        for title, slug, language in rows
    ]


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
    query = select(Article).options(*LISTED).where(Article.status == ArticleStatus.PUBLISHED)
    rows = reader_language_first(query, *MOST_READ, limit=limit)
    return [row[0] for row in rows]


def popular_links(limit: int = 5) -> list[ArticleLink]:
    """The most read articles as titles and addresses only, for the home page's panel:
    loading whole articles (bodies, category, tags) cost more than the rest of the panel."""
    query = select(Article.slug, Article.title, Article.language).where(
        Article.status == ArticleStatus.PUBLISHED
    )
    return [
        ArticleLink(title=title, url=article_url(slug), language=language)
        for slug, title, language in reader_language_first(query, *MOST_READ, limit=limit)
    ]


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
    reader's language first (sharing tags, then of the category), the others after.

    Two statements, each in the reader's language first and cut at `limit`: together they
    hold every article the list can show, and the second is skipped when the first fills it
    in the reader's language."""
    sharing = _sharing_tags(article, limit)
    same_category: list[Article] = []
    if sum(is_readers(item.language) for item in sharing) < limit:
        seen = [article.id, *(item.id for item in sharing)]
        same_category = _same_category(article, seen, limit)
    found = sharing + same_category
    mine = [item for item in found if is_readers(item.language)]
    return (mine + [item for item in found if not is_readers(item.language)])[:limit]


@dataclass(frozen=True)
class ListedArticle:
    """What a list of articles shows of one, without the row: kept in the shared cache."""

    slug: str
    title: str
    summary: str
    language: str


def related_listed(article: Article, limit: int = 5) -> list[ListedArticle]:
    """`related_articles` as a signed-in page lists them: shared by every reader of the
    language, and kept under the knowledge base's pages generation, as anonymous pages are,
    so a published or changed article shows in the list as soon as in those pages."""
    key = cache_keys.related_list(article.id, reader_language(), limit)
    found = cache.get(key)
    if found is None:
        found = [
            ListedArticle(item.slug, item.title, item.summary or "", item.language)
            for item in related_articles(article, limit)
        ]
        cache.set(key, found)
    return found  # type: ignore[no-any-return]


def _sharing_tags(article: Article, limit: int) -> list[Article]:
    tag_ids = [tag.id for tag in article.tags]
    if not tag_ids:
        return []
    shared = func.count().label("shared")
    rows = db.session.execute(
        select(Article, shared)
        .options(*LISTED)
        .join(article_tags, article_tags.c.article_id == Article.id)
        .where(
            article_tags.c.tag_id.in_(tag_ids),
            Article.id != article.id,
            Article.status == ArticleStatus.PUBLISHED,
        )
        .group_by(Article.id)
        .order_by(other_language_first(Article.language), shared.desc(), *MOST_READ)
        .limit(limit)
    ).all()
    return [row[0] for row in rows]


def _same_category(article: Article, seen: list[int], limit: int) -> list[Article]:
    if article.category_id is None:
        return []
    return list(
        db.session.scalars(
            select(Article)
            .options(*LISTED)
            .where(
                Article.category_id == article.category_id,
                Article.status == ArticleStatus.PUBLISHED,
                Article.id.not_in(seen),
            )
            .order_by(other_language_first(Article.language), *MOST_READ)
            .limit(limit)
        )
    )


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
