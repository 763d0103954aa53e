"""Sign-ins kept on the server: one row per signed-in browser.

Flask's session cookie is signed, not stored, so deleting it on log-out does nothing to a copy
taken earlier. Each sign-in therefore gets a random key; the cookies (session and remember-me)
carry `<user id>:<key>`, the database keeps the key's digest, and a request is signed in only
while that row exists. Log-out deletes this browser's row; "log out everywhere", a password
change and a disabled account delete them all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from community.accounts.models import LoginSession, User
from community.db import utcnow
from community.extensions import db

USER_AGENT_LENGTH = 200


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lifetime() -> timedelta:
    """As long as a remember-me cookie lives: no sign-in outlasts it."""
    return timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])


def open_session(user: User, user_agent: str = "") -> None:
    """Record a new sign-in for this browser and commit; `user.get_id()` then names it.

    Expired rows of everyone are removed on the way: sign-ins are rare next to page views,
    and the delete walks an index.
    """
    now = utcnow()
    db.session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    key = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_digest=key_digest(key),
            user_agent=user_agent[:USER_AGENT_LENGTH],
            created_at=now,
            expires_at=now + _lifetime(),
        )
    )
    user.last_login_at = now
    db.session.commit()
    user.login_key = key


# One round trip for the account, its roles (every page asks them) and the sign-in's row. Built
# once: making the statement cost more than running it, on every signed-in request.
_SIGNED_IN_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .options(joinedload(User.role_rows))
    .where(
        User.id == bindparam("user_id"),
        LoginSession.key_digest == bindparam("digest"),
        LoginSession.expires_at > bindparam("now"),
    )
)


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user while their sign-in's row exists and has not expired."""
    user_id, _sep, key = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 12 or not key or len(key) > 100:
        return None
    user = (
        db.session.scalars(
            _SIGNED_IN_USER,
            {"user_id": int(user_id), "digest": key_digest(key), "now": utcnow()},
        )
        .unique()
        .first()
    )
    if user is not None:
        user.login_key = key
    return user


def close_session(user: User) -> None:
    """Sign this browser out: its cookies, and every copy of them, stop working."""
    if user.login_key:
        db.session.execute(
            delete(LoginSession).where(LoginSession.key_digest == key_digest(user.login_key))
        )
        db.session.commit()
    user.login_key = None


def close_other_sessions(user: User) -> int:
    """Sign every browser but this one out (not committed: callers do it with their change)."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if user.login_key:
        statement = statement.where(LoginSession.key_digest != key_digest(user.login_key))
    return db.session.execute(statement).rowcount or 0


def close_all_sessions(user: User) -> None:
    """Sign every browser of `user` out, this one included (not committed)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def log_out_everywhere(user: User) -> None:
    """The account page's button: every device, this one included, is signed out."""
    close_all_sessions(user)
    db.session.commit()
    user.login_key = None


def open_sessions(user: User) -> list[LoginSession]:
    """Where `user` is signed in, newest first, for the account page."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.expires_at > utcnow())
            .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
        )
    )


def is_current(user: User, login_session: LoginSession) -> bool:
    return bool(user.login_key) and login_session.key_digest == key_digest(user.login_key or "")


# Enough to tell one's own devices apart on the account page; the full string is kept.
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device_name(user_agent: str) -> str:
    """ "Chrome on Android" from a User-Agent string; the string itself when nothing is known."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or user_agent[:60] or _("Unknown device")
