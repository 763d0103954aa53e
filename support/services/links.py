"""Signed links that work without a login: following a request, and rating it once.

A person who wrote by email has no account: the acknowledgement carries a link that opens
their request (signed with the secret key, naming the request and the address it belongs
to). "Did we solve it?" carries two links that rate it, signed, expiring after
`SUPPORT_RATING_DAYS`, and good once: the request remembers it was rated.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from community.urls import external_url
from support.models import Rating, SupportRequest


def _follow_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico.support.follow")


def _rating_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portico.support.rate")


def follow_token(request: SupportRequest) -> str:
    return _follow_serializer().dumps([request.id, request.requester_email.lower()])


def follow_url(request: SupportRequest) -> str:
    """Where the requester reads the request: their account page, or a signed link."""
    if request.requester_id is not None:
        return external_url("support.request_page", number=request.number)
    return external_url("support.follow", token=follow_token(request))


@dataclass(frozen=True)
class Follower:
    request_id: int
    email: str


def read_follow_token(token: str) -> Follower | None:
    try:
        request_id, email = _follow_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(request_id, int) or not isinstance(email, str):
        return None
    return Follower(request_id, email)


def rating_token(request: SupportRequest, rating: Rating) -> str:
    return _rating_serializer().dumps([request.id, rating.value])


def rating_url(request: SupportRequest, rating: Rating) -> str:
    return external_url("support.rate", token=rating_token(request, rating))


class RatingLinkError(Exception):
    """The link is forged, damaged or too old."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def read_rating_token(token: str) -> tuple[int, Rating]:
    max_age = int(current_app.config["SUPPORT_RATING_DAYS"]) * 24 * 3600
    try:
        request_id, value = _rating_serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise RatingLinkError(expired=True) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise RatingLinkError(expired=False) from exc
    if not isinstance(request_id, int) or value not in {item.value for item in Rating}:
        raise RatingLinkError(expired=False)
    return request_id, Rating(value)
