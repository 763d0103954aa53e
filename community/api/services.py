"""Create, check and revoke API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from community.accounts.models import User
from community.api.models import ApiToken
from community.db import utcnow
from community.extensions import db

TOKEN_PREFIX = "pt_"  # noqa: S105  (a visible prefix, not a secret)
# Writing last_used_at on every call would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenNameError(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, *, created_by: User | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret; only the digest is stored, so the secret is shown once."""
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenNameError(_("A token needs a name of 1 to 80 characters."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name, token_hash=_digest(secret), prefix=secret[:10], created_by=created_by
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def authenticate_token(secret: str) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or not token.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))
