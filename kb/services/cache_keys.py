"""Names of the process-cache entries the knowledge base writes, and forgetting them.

The page cache is per process: a change shows at once in the process that made it, and
within `PAGE_CACHE_SECONDS` everywhere else.
"""

from __future__ import annotations

from flask import current_app

from community.extensions import cache

CATEGORY_CHOICES = "kb:category-choices"


def forget_categories() -> None:
    cache.delete(CATEGORY_CHOICES)


def article_page(slug: str, locale: str) -> str:
    return f"page:kb.article:{slug}:{locale}"


def forget_article(slug: str) -> None:
    keys = [article_page(slug, locale) for locale in current_app.config["PORTAL_LOCALES"]]
    keys += [f"page:kb.index:{locale}" for locale in current_app.config["PORTAL_LOCALES"]]
    cache.delete_many(*keys)
