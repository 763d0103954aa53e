"""Answers to "Was this helpful?": one row per submission, counted on the article."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from community.errors import InvalidInput, NotFound
from community.extensions import db
from community.forms import clean_text
from kb.models import Article, Feedback
from kb.policy import takes_feedback

MAX_COMMENT = 2000


def record_feedback(article: Article, *, helpful: bool, comment: str | None, user: Any) -> Feedback:
    """Store the answer and bump the article's yes/no count in one transaction."""
    if not takes_feedback(article):
        raise NotFound()
    text = clean_text(comment or "") or None
    if text and len(text) > MAX_COMMENT:
        raise InvalidInput(
            _("Keep the comment under %(count)d characters.", count=MAX_COMMENT), "comment"
        )
    entry = Feedback(
        article_id=article.id,
        helpful=helpful,
        comment=text,
        user_id=user.id if user is not None and user.is_authenticated else None,
    )
    db.session.add(entry)
    if helpful:
        article.helpful_yes = Article.helpful_yes + 1
    else:
        article.helpful_no = Article.helpful_no + 1
    db.session.commit()
    return entry
