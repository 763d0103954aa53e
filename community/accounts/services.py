"""Account rules: registration, sign-in, confirmation, password reset and preferences.

Every function that writes owns its transaction and commits; emails are queued in that same
transaction through the outbox.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from community.accounts.models import Role, User, UserRole
from community.accounts.sessions import close_all_sessions, close_other_sessions
from community.accounts.tokens import TokenError, TokenProblem, fingerprint, make_token, read_token
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import db
from community.outbox.services import enqueue_email, opt_in, opt_out, opted_out_lists
from community.registry import registry
from community.urls import external_url

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    password: str,
    display_name: str,
    timezone: str = "UTC",
    confirmed: bool = False,
    roles: Iterable[Role] = (),
    vip_tier: str | None = None,
    locale: str = "en",
) -> User:
    """Add a user to the session without committing (seeding and registration share it)."""
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        timezone=timezone,
        locale=locale,
        email_confirmed_at=utcnow() if confirmed else None,
        vip_tier=vip_tier,
    )
    user.role_rows = [UserRole(role=Role(role).value) for role in roles]
    db.session.add(user)
    return user


def register_user(
    *, email: str, password: str, display_name: str, timezone: str, locale: str | None = None
) -> User:
    """Create an unconfirmed account and send the confirmation link, in one transaction.

    `locale` is the language the visitor was reading: the account, and the confirmation
    email, stay in it.
    """
    if find_user_by_email(email) is not None:
        raise InvalidInput(
            _("An account with this email already exists. Log in or reset your password."),
            field="email",
        )
    config = current_app.config
    language = locale if locale in config["PORTAL_LOCALES"] else config["BABEL_DEFAULT_LOCALE"]
    user = create_user(
        email=email,
        password=password,
        display_name=display_name,
        timezone=timezone,
        locale=language,
    )
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise InvalidInput(
            _("An account with this email already exists. Log in or reset your password."),
            field="email",
        ) from exc
    _queue_confirmation(user)
    db.session.commit()
    return user


def _email_account_link(user: User, template: str, subject: Any, context: dict[str, Any]) -> None:
    """Queue a transactional email; each request is a new event, so each gets its own key."""
    enqueue_email(
        to=user.email,
        subject=subject,
        template=template,
        context={"user": user, **context},
        dedupe_key=f"{template}:{user.id}:{secrets.token_hex(8)}",
        category=template,
        locale=user.locale,
    )


def _queue_confirmation(user: User) -> None:
    token = make_token("confirm-email", {"u": user.id, "e": user.email})
    _email_account_link(
        user,
        "account_confirm",
        _l("Confirm your email address"),
        {"confirm_url": external_url("accounts.confirm_email", token=token)},
    )


def resend_confirmation(user: User) -> None:
    if user.is_confirmed:
        return
    _queue_confirmation(user)
    db.session.commit()


def confirm_email(token: str) -> User:
    """Mark the address in the token as confirmed; a link for an old address does nothing."""
    payload = read_token("confirm-email", token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    user = db.session.get(User, payload.get("u") or 0)
    if user is None or user.email != payload.get("e"):
        raise TokenError(TokenProblem.INVALID)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


# A real hash of a random password, checked when the email is unknown, so that a wrong
# email takes as long as a wrong password and the two cannot be told apart.
_DUMMY_HASHES: dict[str, str] = {}


def authenticate(email: str, password: str) -> User | None:
    """The user when the email and password match an active account; None otherwise."""
    user = find_user_by_email(email)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASHES.setdefault(method, hash_password(secrets.token_hex(16)))
        check_password_hash(dummy, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link when the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token("password-reset", {"u": user.id, "h": fingerprint(user.password_hash)})
    _email_account_link(
        user,
        "password_reset",
        _l("Reset your password"),
        {
            "reset_url": external_url("accounts.reset_password", token=token),
            "valid_minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
        },
    )
    db.session.commit()


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for; TokenError once expired or used (the hash changed)."""
    payload = read_token("password-reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload.get("u") or 0)
    if user is None or not user.is_active:
        raise TokenError(TokenProblem.INVALID)
    if fingerprint(user.password_hash) != payload.get("h"):
        raise TokenError(TokenProblem.INVALID)
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, new_password)
    # Whoever could read the inbox has now proven they own the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()
    return user


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    # Whoever knew the old password may be signed in somewhere: only this browser stays.
    close_other_sessions(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password):
        raise InvalidInput(_("Your current password is not correct."), field="current_password")
    _set_password(user, new_password)
    db.session.commit()


def set_language(user: User, locale: str) -> None:
    """Keep a member's language in their profile: pages and emails follow it everywhere."""
    if locale not in current_app.config["PORTAL_LOCALES"]:
        raise InvalidInput(_("Choose one of the languages offered."), field="lang")
    user.locale = locale
    db.session.commit()


def update_profile(user: User, *, display_name: str, timezone: str, locale: str) -> None:
    user.display_name = display_name.strip()
    user.timezone = timezone
    user.locale = locale
    db.session.commit()


@dataclass(frozen=True)
class EmailPreference:
    key: str
    label: str
    description: str
    enabled: bool


def email_preferences(user: User) -> list[EmailPreference]:
    """Each registered email list, and whether this user still receives it."""
    opted_out = opted_out_lists(user.email)
    return [
        EmailPreference(
            key=item.key,
            label=str(item.label),
            description=str(item.description),
            enabled=item.key not in opted_out,
        )
        for item in registry().email_lists.values()
    ]


def set_email_preferences(user: User, enabled_keys: Iterable[str]) -> None:
    enabled = set(enabled_keys)
    for key in registry().email_lists:
        if key in enabled:
            opt_in(user.email, key)
        else:
            opt_out(user.email, key)
    db.session.commit()


def set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = {Role(role).value for role in roles}
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - {row.role for row in user.role_rows})
    ]


def update_user_as_admin(
    user: User, *, roles: Iterable[Role], is_active: bool, acting_admin: User
) -> None:
    """An admin changes roles and access; an admin cannot lock themselves out."""
    roles = set(roles)
    if user.id == acting_admin.id and (Role.ADMIN not in roles or not is_active):
        raise InvalidInput(_("You cannot remove your own admin access."), field="roles")
    set_roles(user, roles)
    if user.is_active_account != is_active:
        user.is_active_account = is_active
        if not is_active:
            close_all_sessions(user)  # a disabled account is signed out everywhere
    db.session.commit()


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0
