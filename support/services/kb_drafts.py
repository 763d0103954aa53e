"""An agent's answer becomes a knowledge-base draft, so the next customer finds it alone.

Only an agent's answer (never the customer's words, never an internal note) goes into the
draft, under the request's subject, through the knowledge base's own service (which checks
that the person may edit the knowledge base). The request's history records the draft in
the same transaction as the article, so asking twice opens the draft made the first time.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import InvalidInput, NotAllowed, NotFound
from community.extensions import db
from community.numbers import MAX_ID
from kb import policy as kb_policy
from kb.models import Article
from kb.services.articles import ArticleInput, save_article
from support import policy
from support.models import MessageKind, RequestEvent, SupportMessage, SupportRequest
from support.services import directory
from support.services.conversation import record_event

EVENT = "kb_draft"


def may_make_draft(user: Any) -> bool:
    return kb_policy.can_edit(user)


def _answer(request: SupportRequest, message_id: int) -> SupportMessage:
    message = db.session.get(SupportMessage, message_id) if 0 < message_id <= MAX_ID else None
    if message is None or message.request_id != request.id:
        raise NotFound()
    if message.kind != MessageKind.AGENT:
        raise InvalidInput(_("Only an answer to the customer can become an article."), "message")
    return message


def existing_drafts(request: SupportRequest) -> dict[int, int]:
    """Message id -> article id of the drafts already made from this request's answers."""
    rows = db.session.scalars(
        select(RequestEvent.detail).where(
            RequestEvent.request_id == request.id, RequestEvent.kind == EVENT
        )
    )
    return {
        int(detail["message"]): int(detail["article"])
        for detail in rows
        if isinstance(detail, dict) and "message" in detail and "article" in detail
    }


def make_article_draft(request: SupportRequest, message_id: int, *, by: Any) -> Article:
    """A draft article from one of the request's answers (the one made before, if any)."""
    if not policy.may_work(by, request, directory.department_ids_of(by)):
        raise NotAllowed(_("This request belongs to a department you do not work in."))
    if not may_make_draft(by):
        raise NotAllowed(_("Only knowledge-base editors can write articles."))
    message = _answer(request, message_id)
    made = existing_drafts(request).get(message.id)
    existing = db.session.get(Article, made) if made else None
    if existing is not None:
        return existing

    def remember(article: Article) -> None:
        detail = {"message": message.id, "article": article.id, "slug": article.slug}
        record_event(request, EVENT, by, detail)

    return save_article(
        None,
        ArticleInput(
            title=request.subject,
            body=message.body_text,
            note=_("From an answer to support request #%(number)s", number=request.number),
        ),
        by=by,
        with_article=remember,
    )
