"""Support requests in the site's search service, for agents only.

A request is a private kind of document (`support_request`): the site's searches never
return it unless they name the kind, which only the agents' inbox does. The document holds
the number, the subject, the requester and the first message, so an agent finds a request by
any of them; it is queued in the transaction that opens, moves or merges the request.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from community.extensions import db
from kb.services import (
    SearchDocument,
    SearchSource,
    index_after_commit,
    register_source,
    remove_after_commit,
)
from kb.services import search as site_search
from support.models import MessageKind, SupportMessage, SupportRequest

KIND = "support_request"
BATCH_SIZE = 500


def _document(request: SupportRequest | object, first_message: str) -> SearchDocument:
    number = request.number  # type: ignore[attr-defined]
    return SearchDocument(
        kind=KIND,
        key=number,
        title=f"#{number} {request.subject}",  # type: ignore[attr-defined]
        text="\n".join(
            [
                request.requester_name,  # type: ignore[attr-defined]
                request.requester_email,  # type: ignore[attr-defined]
                first_message,
            ]
        ),
        url=f"/support/requests/{number}",
        updated_at=request.created_at,  # type: ignore[attr-defined]
    )


def index_request(request: SupportRequest, first_message: str) -> None:
    """Queue the request's document (applied when the transaction commits)."""
    index_after_commit(_document(request, first_message))


def unindex_request(request: SupportRequest) -> None:
    remove_after_commit(KIND, request.number)


def find_numbers(query: str, limit: int = 200) -> tuple[str, ...]:
    """The numbers of the requests that best match `query`, for the inbox's filter."""
    page = site_search(query, per_page=limit, kinds=(KIND,))
    return tuple(hit.key for hit in page.hits)


def _count() -> int:
    return db.session.scalar(select(func.count(SupportRequest.id))) or 0


def _documents(batch_size: int = BATCH_SIZE) -> Iterator[list[SearchDocument]]:
    """Every request with its first customer message, a batch at a time (`kb reindex`)."""
    last_id = 0
    while True:
        requests = db.session.execute(
            select(
                SupportRequest.id,
                SupportRequest.number,
                SupportRequest.subject,
                SupportRequest.requester_name,
                SupportRequest.requester_email,
                SupportRequest.created_at,
            )
            .where(SupportRequest.id > last_id, SupportRequest.merged_into_id.is_(None))
            .order_by(SupportRequest.id)
            .limit(batch_size)
        ).all()
        if not requests:
            return
        ids = [row.id for row in requests]
        first_ids = (
            select(func.min(SupportMessage.id))
            .where(
                SupportMessage.request_id.in_(ids),
                SupportMessage.kind == MessageKind.CUSTOMER,
            )
            .group_by(SupportMessage.request_id)
        )
        bodies = dict(
            db.session.execute(
                select(SupportMessage.request_id, SupportMessage.body_text).where(
                    SupportMessage.id.in_(first_ids)
                )
            ).all()
        )
        yield [_document(row, bodies.get(row.id, "")) for row in requests]
        last_id = requests[-1].id


SOURCE = SearchSource(
    kind=KIND,
    label=_l("Support request"),
    documents=_documents,
    count=_count,
    fallback=None,
    public=False,
)


def init_app(app: Flask) -> None:
    register_source(app, SOURCE)
