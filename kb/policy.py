"""Who may read, who may write and what takes feedback: the knowledge base's rules.

Pure functions of their arguments; the `require_*` forms raise the core's refusals so a
service (or a view choosing which page to show) states a rule in one line.
"""

from __future__ import annotations

from typing import Any

from community.accounts.models import Role
from community.errors import NotAllowed, NotFound
from kb.models import Article


def can_edit(user: Any) -> bool:
    """Editors write, publish and read drafts; an admin holds every role."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.EDITOR))


def can_read(article: Article, user: Any) -> bool:
    return article.is_published or can_edit(user)


def takes_feedback(article: Article) -> bool:
    """Only published articles ask "Was this helpful?"; a draft's page has no such question."""
    return article.is_published


def require_editor(user: Any) -> None:
    if not can_edit(user):
        raise NotAllowed()


def require_readable(article: Article | None, user: Any) -> Article:
    """The article, or 404: a draft looks the same as a missing article to customers."""
    if article is None or not can_read(article, user):
        raise NotFound()
    return article
