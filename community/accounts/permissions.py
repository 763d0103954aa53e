"""Route guards. The rules live in services; these turn a refusal into 401/403 early."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community.accounts.models import Role, User
from community.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def acting_user() -> User:
    """The logged-in user as a real model object, for services (never the proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def admins_only() -> Any:
    """A blueprint's `before_request` for admin areas: visitors log in, others get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


def role_required(role: Role) -> Callable[[F], F]:
    """Logged in and holding `role` (admins hold every role), else 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def confirmed_required(view: F) -> F:
    """Reading is open to all; writing needs a confirmed email (403 explains how)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_confirmed:
            abort(
                403,
                description=_(
                    "Please confirm your email address first: open the link we emailed you, "
                    "or ask for a new one on your account page."
                ),
            )
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
