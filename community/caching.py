"""When a page may come from the shared page cache: only for visitors it cannot tell apart."""

from __future__ import annotations

from flask import session
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from community.i18n import zone_is_guessed


def is_personal_request() -> bool:
    """A logged-in visitor, or one with a message waiting, sees a page of their own."""
    return bool(current_user.is_authenticated or session.get("_flashes"))


def reader_variant() -> str:
    """What a cached copy depends on beside the page: the language, the time zone, and
    whether that zone is only the default (times then carry its name)."""
    guessed = "guessed" if zone_is_guessed() else "known"
    return f"{get_locale()}:{get_timezone()}:{guessed}"


def anonymous_page_key(name: str) -> str:
    """One cached copy per page, language and time zone."""
    return f"page:{name}:{reader_variant()}"
