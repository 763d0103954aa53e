"""Names of the process-cache entries the knowledge base writes, and forgetting them.

The page cache is per process: a change shows at once in the process that made it, and
within `PAGE_CACHE_SECONDS` everywhere else.
"""

from __future__ import annotations

from community.extensions import cache

CATEGORY_CHOICES = "kb:category-choices"


def forget_categories() -> None:
    cache.delete(CATEGORY_CHOICES)


# Anonymous knowledge-base pages are cached per language and time zone, too many copies to
# name one by one: each key carries a generation, and a change moves it, so every copy this
# process holds is forgotten at once (other processes' copies expire with PAGE_CACHE_SECONDS).
PAGES_GENERATION = "kb:pages-generation"


def pages_generation() -> int:
    return cache.get(PAGES_GENERATION) or 0


def article_page(slug: str, variant: str) -> str:
    return f"page:kb.article:{pages_generation()}:{slug}:{variant}"


def index_page(variant: str) -> str:
    return f"page:kb.index:{pages_generation()}:{variant}"


def forget_article(slug: str) -> None:
    """A changed article (or its files): its page and the index are rendered again."""
    cache.set(PAGES_GENERATION, pages_generation() + 1, timeout=0)
