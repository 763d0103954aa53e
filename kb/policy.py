"""Who may read and who may write: the knowledge base's two questions."""

from __future__ import annotations

from typing import Any

from community.accounts.models import Role
from kb.errors import ArticleNotFound, NotAllowed
from kb.models import Article


def can_edit(user: Any) -> bool:
    """Editors write, publish and read drafts; an admin holds every role."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.EDITOR))


def can_read(article: Article, user: Any) -> bool:
    return article.is_published or can_edit(user)


def require_editor(user: Any) -> None:
    if not can_edit(user):
        raise NotAllowed()


def require_readable(article: Article | None, user: Any) -> Article:
    """The article, or 404: a draft looks the same as a missing article to customers."""
    if article is None or not can_read(article, user):
        raise ArticleNotFound()
    return article
