"""Names of the process-cache entries the knowledge base writes, and forgetting them.

The page cache is per process: a change shows at once in the process that made it, and
within `PAGE_CACHE_SECONDS` everywhere else.
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from community.extensions import cache, db

CATEGORY_CHOICES = "kb:category-choices"


def forget_categories() -> None:
    cache.delete(CATEGORY_CHOICES)


# Anonymous knowledge-base pages are cached per language and time zone, too many copies to
# name one by one: each key carries a generation, and a committed change moves it, so every
# copy this process holds is forgotten at once (other processes' copies expire with
# PAGE_CACHE_SECONDS). The generation lives with the app, where no cache eviction drops it,
# and moves after the commit, so no page rendered before it is kept under the new one.
GENERATION = "kb.pages-generation"
CHANGED = "kb.pages-changed"


def pages_generation() -> int:
    return current_app.extensions.get(GENERATION, 0)


def article_page(slug: str, variant: str) -> str:
    return f"page:kb.article:{pages_generation()}:{slug}:{variant}"


def related_list(article_id: int, language: str, limit: int) -> str:
    return f"kb:related:{pages_generation()}:{article_id}:{language}:{limit}"


def index_page(variant: str) -> str:
    return f"page:kb.index:{pages_generation()}:{variant}"


def forget_article(slug: str) -> None:
    """A changed article (or its files): its page and the index are rendered again once the
    change is committed."""
    db.session.info[CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(CHANGED, False) and has_app_context():
        current_app.extensions[GENERATION] = pages_generation() + 1


def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGED, None)


def init_app(app: Flask) -> None:
    """Listen to every session's commits (once per process, however many apps it makes)."""
    with app.app_context():
        if not event.contains(db.session, "after_commit", _after_commit):
            event.listen(db.session, "after_commit", _after_commit)
            event.listen(db.session, "after_rollback", _after_rollback)
