"""When a page may come from the shared page cache: only for visitors it cannot tell apart."""

from __future__ import annotations

from flask import session
from flask_babel import get_locale
from flask_login import current_user


def is_personal_request() -> bool:
    """A logged-in visitor, or one with a message waiting, sees a page of their own."""
    return bool(current_user.is_authenticated or session.get("_flashes"))


def anonymous_page_key(name: str) -> str:
    """One cached copy per page and language."""
    return f"page:{name}:{get_locale()}"
