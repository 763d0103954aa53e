"""Demo articles for `seed-demo`, and generated ones for `seed-bulk --articles N`.

The demo articles' text lives in `demo_content`, the generator of bulk text in `sample_text`.
"""

from __future__ import annotations

import io
import random
import sys
from datetime import datetime, timedelta
from html import escape
from typing import Any

import click
from sqlalchemy import func, insert, select

from community.accounts.models import Role, User, UserRole
from community.db import utcnow
from community.extensions import db
from kb.cli import default_locale
from kb.languages import CHINESE, ENGLISH
from kb.models import Article, ArticleStatus, Category, Revision, Tag, article_tags
from kb.search import engine
from kb.search import rebuild as rebuild_index
from kb.seeding.demo_content import DEMO_ARTICLES, DEMO_CATEGORIES, DRIVER_NOTES
from kb.seeding.sample_text import SampleArticle, SampleWriter
from kb.services import cache_keys
from kb.services.articles import ArticleInput, save_article, slugify
from kb.services.attachments import add_attachment
from kb.services.catalog import find_article


def _demo_author() -> User | None:
    """The demo admin holds every role, editor included, so it signs the demo articles."""
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([Role.ADMIN.value, Role.EDITOR.value]))
        .order_by(User.id)
        .limit(1)
    )


def seed_demo() -> None:
    """Categories and a dozen articles in English and Chinese (one left as a draft)."""
    with default_locale():
        _seed_demo()


def _seed_demo() -> None:
    engine().ensure_started()
    author = _demo_author()
    categories = {}
    for position, (slug, name, description) in enumerate(DEMO_CATEGORIES):
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            category = Category(slug=slug, name=name, description=description, position=position)
            db.session.add(category)
        categories[slug] = category
    db.session.commit()
    cache_keys.forget_categories()
    last = len(DEMO_ARTICLES) - 1
    for index, (slug, category, tags, title, body) in enumerate(DEMO_ARTICLES):
        if find_article(slug) is not None:
            continue
        article = save_article(
            None,
            ArticleInput(title=title, body=body, category_id=categories[category].id, tags=tags),
            by=author,
            publish=index != last,
            slug=slug,
            check_editor=False,
        )
        if slug == "install-the-printer-driver" and author is not None:
            add_attachment(
                article, io.BytesIO(DRIVER_NOTES), "p200-driver-release-notes.txt", by=author
            )


BULK_TAGS = [
    "returns",
    "refund",
    "delivery",
    "driver",
    "warranty",
    "password",
    "exception",
    "attempt_failed",
]
BULK_BATCH = 1000


def _bulk_body(paragraphs: list[str]) -> tuple[str, str]:
    """Markdown and its HTML for generated plain paragraphs (no markup to render)."""
    return "\n\n".join(paragraphs), "".join(
        f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs
    )


def _bulk_categories() -> list[int]:
    """The categories generated articles go into; the demo ones when there are none."""
    category_ids = list(db.session.scalars(select(Category.id)))
    if not category_ids:
        seed_demo()
        category_ids = list(db.session.scalars(select(Category.id)))
    return category_ids


def _bulk_tags() -> dict[str, int]:
    tag_ids = {}
    for name in BULK_TAGS:
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
            db.session.flush()
        tag_ids[name] = tag.id
    db.session.commit()
    return tag_ids


def _bulk_row(
    sample: SampleArticle,
    rng: random.Random,
    category_ids: list[int],
    author_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """One published article's columns, read and rated at random over the past year."""
    body, body_html = _bulk_body(sample.paragraphs)
    text = " ".join(sample.paragraphs)
    published = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
    return {
        "slug": f"{slugify(sample.title)[:60]}-{rng.getrandbits(48):012x}",
        "title": sample.title[:200],
        "category_id": rng.choice(category_ids),
        "status": ArticleStatus.PUBLISHED.value,
        "body": body,
        "body_html": body_html,
        "toc": [],
        "plain_text": text,
        "summary": text[:237] + "…" if len(text) > 240 else text,
        "language": CHINESE if sample.chinese else ENGLISH,
        "author_id": author_id,
        "updated_by_id": author_id,
        "created_at": published,
        "updated_at": published,
        "published_at": published,
        "view_count": int(rng.paretovariate(1.2) * 10),
        "helpful_yes": rng.randint(0, 20),
        "helpful_no": rng.randint(0, 5),
        "revision_number": 1,
    }


def _insert_bulk(rows: list[dict[str, Any]], rng: random.Random, tag_ids: dict[str, int]) -> None:
    """Insert one batch of articles with their first revision, and a tag on some of them."""
    ids = db.session.scalars(
        insert(Article).returning(Article.id, sort_by_parameter_order=True), rows
    ).all()
    revisions, tags = [], []
    for article_id, row in zip(ids, rows, strict=True):
        revisions.append(
            {
                "article_id": article_id,
                "number": 1,
                "title": row["title"],
                "body": row["body"],
                "tags": [],
                "status": row["status"],
                "note": "Generated",
                "author_id": row["author_id"],
                "created_at": row["created_at"],
            }
        )
        if rng.random() < 0.3:
            tags.append({"article_id": article_id, "tag_id": tag_ids[rng.choice(BULK_TAGS)]})
    db.session.execute(insert(Revision), revisions)
    if tags:
        db.session.execute(insert(article_tags), tags)
    db.session.commit()


def seed_bulk(articles: int = 0, **_sizes: int) -> None:
    """Insert N generated articles in batches, then build the search index in one pass."""
    if not articles:
        return
    category_ids = _bulk_categories()
    tag_ids = _bulk_tags()
    author = _demo_author()
    author_id = author.id if author else None
    rng = random.Random(1234)
    writer = SampleWriter(seed=(db.session.scalar(select(func.count(Article.id))) or 0) + 1)
    now = utcnow()
    with click.progressbar(length=articles, label="articles", file=sys.stderr) as bar:
        for offset in range(0, articles, BULK_BATCH):
            size = min(BULK_BATCH, articles - offset)
            samples = list(writer.articles(size))
            rows = [_bulk_row(sample, rng, category_ids, author_id, now) for sample in samples]
            _insert_bulk(rows, rng, tag_ids)
            bar.update(size)
    total = engine().document_total()
    with click.progressbar(length=total, label="search index", file=sys.stderr) as bar:
        rebuild_index(progress=bar.update)
