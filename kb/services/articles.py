"""Writing articles: drafts, publishing, unpublishing and archiving, each save a revision.

Every write here owns its transaction: it checks who is acting, changes the article, keeps a
revision, queues the search-index change (applied only once the commit succeeds) and commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import db, insert_ignoring_conflicts
from community.markdown import html_text, render, shorten
from kb.languages import check_language, chosen_language
from kb.models import Article, ArticleStatus, Category, Revision, Tag
from kb.policy import require_editor
from kb.services import cache_keys
from kb.services.catalog import find_article
from kb.services.indexing import sync_article

MAX_TITLE = 200
MAX_BODY = 1_000_000  # characters: long reference pages fit
MAX_TAGS = 10
MAX_TAG_LENGTH = 50
MAX_NOTE = 200
SUMMARY_CHARS = 240


# Notes the system writes on a revision are stored as codes and put in words when shown
# (`describe_note`), so the history reads in each editor's language.
NOTE_CREATED = "~created"
NOTE_EDITED = "~edited"
NOTE_PUBLISHED = "~published"
NOTE_UNPUBLISHED = "~unpublished"
NOTE_ARCHIVED = "~archived"
NOTE_RESTORED = "~restored"
NOTE_IMPORTED = "~imported"


@dataclass(frozen=True)
class ArticleInput:
    """What an editor (or an imported file) says an article should contain."""

    title: str
    body: str
    category_id: int | None = None
    tags: Sequence[str] = ()
    note: str = ""
    # "en" or "zh"; None (or "", the editor's "Detect from the text") leaves it to the text.
    language: str | None = None


# Slugs and tags ------------------------------------------------------------------------------
def slugify(text: str, fallback: str = "article") -> str:
    """A URL slug that keeps Chinese characters: `如何办理退货` stays readable in the address."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    value = re.sub(r"[^\w\s-]", "", value)
    value = re.sub(r"[\s_-]+", "-", value).strip("-")
    return value[:80].strip("-") or fallback


def unique_slug(text: str, *, fallback: str = "article", model: Any = Article) -> str:
    """`slugify(text)`, numbered (`-2`, `-3`…) past the slugs `model` already uses."""
    base = slugify(text, fallback)
    candidate, number = base, 1
    while db.session.scalar(select(model.id).where(model.slug == candidate)) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def clean_tags(names: Iterable[str]) -> list[str]:
    """Lower-cased, trimmed, distinct tags; refuses too many or too long."""
    tags: list[str] = []
    for name in names:
        tag = re.sub(r"\s+", " ", name.strip().lower())
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(_("Use at most %(count)d tags.", count=MAX_TAGS), field="tags")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                _("A tag can be at most %(count)d characters.", count=MAX_TAG_LENGTH), field="tags"
            )
    return tags


def _tag_rows(names: list[str]) -> list[Tag]:
    """Tag rows for `names`, created when missing; safe when two editors add one at once."""
    if not names:
        return []
    db.session.execute(insert_ignoring_conflicts(Tag).values([{"name": name} for name in names]))
    rows = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [rows[name] for name in names]


# Writing -------------------------------------------------------------------------------------
def _check_length(body: str) -> None:
    if len(body) > MAX_BODY:
        raise InvalidInput(
            _("The article is too long (%(count)d characters at most).", count=MAX_BODY), "body"
        )


def _check(data: ArticleInput) -> ArticleInput:
    title = data.title.strip()
    if not title:
        raise InvalidInput(_("Give the article a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            _("Keep the title under %(count)d characters.", count=MAX_TITLE), "title"
        )
    _check_length(data.body)
    if data.category_id is not None and db.session.get(Category, data.category_id) is None:
        raise InvalidInput(_("Choose one of the categories."), field="category_id")
    language = check_language(data.language)
    return ArticleInput(
        title=title,
        body=data.body,
        category_id=data.category_id,
        tags=clean_tags(data.tags),
        note=data.note.strip()[:MAX_NOTE],
        language=language,
    )


def _apply_content(article: Article, data: ArticleInput) -> None:
    rendered = render(data.body)
    article.title = data.title
    article.body = data.body
    article.body_html = rendered.html
    article.toc = rendered.toc
    article.plain_text = html_text(rendered.html)
    article.summary = shorten(article.plain_text, SUMMARY_CHARS)
    article.language = chosen_language(data.language, data.title, article.plain_text)
    article.category = db.session.get(Category, data.category_id) if data.category_id else None
    article.tags = _tag_rows(list(data.tags))


def _set_status(article: Article, status: ArticleStatus) -> None:
    article.status = status
    if status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = utcnow()


def _keep_revision(article: Article, *, by: User | None, note: str) -> Revision:
    """Snapshot the article as it now stands: every save and status change is one."""
    article.revision_number = (article.revision_number or 0) + 1
    revision = Revision(
        article_id=article.id,
        number=article.revision_number,
        title=article.title,
        body=article.body,
        category_id=article.category_id,
        tags=article.tag_names,
        status=article.status,
        note=note,
        author_id=by.id if by else None,
    )
    db.session.add(revision)
    return revision


def _finish(
    article: Article,
    *,
    by: User | None,
    note: str,
    with_article: Callable[[Article], None] | None = None,
) -> Article:
    article.updated_at = utcnow()
    article.updated_by_id = by.id if by else None
    db.session.flush()
    _keep_revision(article, by=by, note=note)
    if with_article is not None:
        with_article(article)
    sync_article(article)
    cache_keys.forget_article(article.slug)
    db.session.commit()
    return article


def save_article(
    article: Article | None,
    data: ArticleInput,
    *,
    by: User | None,
    publish: bool = False,
    status: ArticleStatus | None = None,
    slug: str | None = None,
    check_editor: bool = True,
    with_article: Callable[[Article], None] | None = None,
) -> Article:
    """Create or update an article, keep a revision, and publish it when asked.

    Without `publish` or `status`, a new article is a draft and an existing one keeps its
    status (editing a published article updates it in place). `with_article` runs once the
    article has its id, in the same transaction: a caller's own change commits with it.
    """
    if check_editor:
        require_editor(by)
    data = _check(data)
    created = article is None
    if article is None:
        wanted = slugify(slug) if slug else None
        article = Article(
            slug=wanted if wanted and find_article(wanted) is None else unique_slug(data.title),
            author_id=by.id if by else None,
            status=ArticleStatus.DRAFT,
        )
        db.session.add(article)
    _apply_content(article, data)
    if publish:
        status = ArticleStatus.PUBLISHED
    if status is not None:
        _set_status(article, status)
    note = data.note or (NOTE_CREATED if created else NOTE_EDITED)
    if publish and not data.note:
        note = NOTE_PUBLISHED
    return _finish(article, by=by, note=note, with_article=with_article)


def _change_status(article: Article, status: ArticleStatus, *, by: User, note: str) -> Article:
    require_editor(by)
    if article.status == status:
        return article
    _set_status(article, status)
    return _finish(article, by=by, note=note)


def publish_article(article: Article, *, by: User) -> Article:
    """Make the article visible to customers and searchable."""
    return _change_status(article, ArticleStatus.PUBLISHED, by=by, note=NOTE_PUBLISHED)


def unpublish_article(article: Article, *, by: User) -> Article:
    """Take the article back to draft: customers and search stop seeing it."""
    return _change_status(article, ArticleStatus.DRAFT, by=by, note=NOTE_UNPUBLISHED)


def archive_article(article: Article, *, by: User) -> Article:
    """Retire an outdated article; it stays in the history and can be published again."""
    return _change_status(article, ArticleStatus.ARCHIVED, by=by, note=NOTE_ARCHIVED)


def preview_html(user: Any, body: str) -> str:
    """The sanitised HTML an editor's Markdown will become (nothing is saved)."""
    require_editor(user)
    _check_length(body)
    return render(body).html
