"""The customer's side of a request, wherever they read it: their account, a signed follow
link, or the API acting for them.

What a customer sees is the conversation without internal notes, always: every read here
leaves `MessageKind.NOTE` out, pages and the live refresh alike. What they do (reply,
mark solved, rate) goes through the request services, with one more rule: a solved request
takes a new message only within `SUPPORT_REOPEN_DAYS` (after that, a new request).

Someone without an account reads their request through its follow link; the page remembers
the requests opened that way in the session (`FOLLOWED_KEY`), so the live channel can admit
that browser to the request's room without an account and without trusting a number.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from community.db import utcnow
from community.errors import InvalidInput, NotFound
from community.extensions import db
from community.uploads import Download, download_of
from support.models import (
    MessageKind,
    Rating,
    SupportAttachment,
    SupportMessage,
    SupportRequest,
)
from support.services import ratings, requests
from support.services.conversation import ATTACHMENT_FOLDER, clean_email
from support.services.links import RatingLinkError

FOLLOWED_KEY = "support_followed"
MAX_FOLLOWED = 20
MAX_API_REQUESTS = 50


def visible_messages(request: SupportRequest, after_id: int = 0) -> list[SupportMessage]:
    """The conversation as the customer sees it, oldest first: no internal notes."""
    return list(
        db.session.scalars(
            select(SupportMessage)
            .where(
                SupportMessage.request_id == request.id,
                SupportMessage.kind != MessageKind.NOTE,
                SupportMessage.id > max(after_id, 0),
            )
            .options(selectinload(SupportMessage.attachments))
            .order_by(SupportMessage.id)
        )
    )


def visible_attachment(request: SupportRequest, attachment_id: int) -> Download:
    """A file of this request's conversation that the customer may download, else 404."""
    row = db.session.scalar(
        select(SupportAttachment)
        .join(SupportMessage, SupportMessage.id == SupportAttachment.message_id)
        .where(
            SupportAttachment.id == attachment_id,
            SupportAttachment.request_id == request.id,
            SupportMessage.kind != MessageKind.NOTE,
        )
    )
    download = (
        download_of(ATTACHMENT_FOLDER, row.stored_name, row.filename, row.content_type, row.size)
        if row is not None
        else None
    )
    if download is None:
        raise NotFound()
    return download


def may_write(request: SupportRequest, now: datetime | None = None) -> bool:
    return requests.may_reopen(request, now or utcnow())


def rate(request: SupportRequest, value: str | None, comment: str = "") -> Rating:
    """Record "did we solve it?" (`ratings.rate` refuses a second rating with Conflict)."""
    if value not in {item.value for item in Rating}:
        raise InvalidInput(_("Choose yes or no."), "rating")
    rating = Rating(value)
    ratings.rate(request, rating, comment or "")
    return rating


def request_of_expired_link(error: RatingLinkError) -> SupportRequest | None:
    """The request an authentic but expired rating link names, to offer its page instead.

    The signature was checked before the age (itsdangerous raises `SignatureExpired` only
    for a valid signature), so the payload can be trusted; a forged link never gets here.
    """
    cause = error.__cause__
    if not error.expired or not isinstance(cause, SignatureExpired) or cause.payload is None:
        return None
    try:
        request_id, _value = URLSafeTimedSerializer("unused").load_payload(cause.payload)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(request_id, int) or not 0 < request_id < 2**31:
        return None
    return db.session.get(SupportRequest, request_id)


def merged_into(request: SupportRequest) -> SupportRequest | None:
    """The request a duplicate was merged into (its conversation continues there)."""
    if request.merged_into_id is None:
        return None
    return db.session.get(SupportRequest, request.merged_into_id)


def request_by_id(request_id: int) -> SupportRequest | None:
    return db.session.get(SupportRequest, request_id) if 0 < request_id < 2**31 else None


# Following without an account ----------------------------------------------------------------
def remember_followed(session: MutableMapping[str, Any], request_id: int) -> None:
    """This browser opened the request's follow link: it may watch the request live."""
    followed = [item for item in session.get(FOLLOWED_KEY, []) if item != request_id]
    session[FOLLOWED_KEY] = [*followed[-(MAX_FOLLOWED - 1) :], request_id]


def follows(session: Mapping[str, Any], request_id: int) -> bool:
    """Whether this browser opened the request's follow link (for `join_request`)."""
    followed = session.get(FOLLOWED_KEY, [])
    return isinstance(followed, list) and request_id in followed


# The API --------------------------------------------------------------------------------------
def requests_for_email(
    email: str, limit: int = MAX_API_REQUESTS
) -> list[tuple[SupportRequest, list[SupportMessage]]]:
    """A customer's requests, newest first, each with what the customer sees of it."""
    address = clean_email(email)
    found = list(
        db.session.scalars(
            select(SupportRequest)
            .where(SupportRequest.requester_email == address)
            .options(joinedload(SupportRequest.department))
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())
            .limit(limit)
        )
    )
    messages: dict[int, list[SupportMessage]] = {request.id: [] for request in found}
    if found:
        for message in db.session.scalars(
            select(SupportMessage)
            .where(
                SupportMessage.request_id.in_(list(messages)),
                SupportMessage.kind != MessageKind.NOTE,
            )
            .order_by(SupportMessage.request_id, SupportMessage.id)
        ):
            messages[message.request_id].append(message)
    return [(request, messages[request.id]) for request in found]
