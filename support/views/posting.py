"""What every support page that writes shares: one rate limit, and the files sent along."""

from __future__ import annotations

from flask import request

from community.extensions import limiter
from community.ratelimits import configured_limit
from support.services.conversation import Upload

# One budget per address for every support form that writes: new requests, replies, ratings.
post_limit = limiter.shared_limit(
    configured_limit("SUPPORT_RATE_LIMIT_POST"), scope="support-post", methods=["POST"]
)


def uploads() -> list[Upload]:
    """The files sent with a form (empty file inputs left out)."""
    return [
        Upload(item.stream, item.filename or "")
        for item in request.files.getlist("files")
        if item and item.filename
    ]
