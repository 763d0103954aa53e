"""Help for a shipment in trouble: knowledge-base articles tagged with the event's code.

The one place tracking reads the knowledge base, through its service (never its views).
"""

from __future__ import annotations

from kb.services import ArticleLink, articles_tagged
from tracking.codes import EventCode

HELP_ARTICLES = 5
# The codes a customer can act on; an article tagged `exception` or `attempt_failed` says how.
HELP_CODES = frozenset({EventCode.EXCEPTION, EventCode.ATTEMPT_FAILED})


def needs_help(status: str) -> bool:
    return status in HELP_CODES


def help_articles(status: str) -> list[ArticleLink]:
    """Articles that explain what to do about `status`; none for a shipment doing fine."""
    if not needs_help(status):
        return []
    return articles_tagged(status, limit=HELP_ARTICLES)
