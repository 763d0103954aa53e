"""The header and footer of every page: rendered once per kind of reader, filled in per request.

Two members with the same links, badges and page in the same language see the same header
but for their name, their initials, their counts and their CSRF token; the footer differs only
by the page's own address and the token. Each is kept in `community.fragments` under a key of
everything else its template reads, with placeholders for those values, which are escaped
and put in when the page is rendered. This is most of what a signed-in page's shell costs
(dozens of `url_for` calls and translations), paid once per process and kind of reader.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import cache
from typing import Any

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from community.fragments import fill, fragment_cache, placeholder
from community.navigation import nav_counts
from community.registry import NavLink, registry

NAME = placeholder("name")
INITIALS = placeholder("initials")
CSRF = placeholder("csrf")
NEXT_URL = placeholder("next")

# One per kind of reader, page and language: a few hundred at most on a busy site.
CHROME_PIECES = 2_000


@cache
def _count_markers(badge_key: str) -> tuple[str, str]:
    """The placeholders of one badge's number and of its `hidden` attribute."""
    return placeholder(f"count-{badge_key}"), placeholder(f"hidden-{badge_key}")


def _chrome() -> Any:
    return fragment_cache("chrome", size=CHROME_PIECES, max_age=300.0)


def _visible_links(links: list[NavLink], user: Any) -> list[NavLink]:
    return [link for link in links if link.visible(user)]


def page_header() -> Markup:
    """The site header for this reader on this page."""
    user = current_user._get_current_object()
    reg = registry()
    signed_in = bool(user.is_authenticated)
    links = _visible_links(reg.nav_links, user)
    counted = nav_counts(reg.nav_badges, user)
    is_admin = signed_in and bool(getattr(user, "is_admin", False))
    key: Hashable = (
        "header",
        str(get_locale()),
        request.script_root,
        request.endpoint,
        request.blueprint,
        signed_in,
        is_admin,
        tuple(link.endpoint for link in links),
        tuple(badge.key for badge, _count in counted),
    )

    def render(_key: Hashable) -> str:
        badges = [(badge, *_count_markers(badge.key)) for badge, _count in counted]
        reader = {
            "signed_in": signed_in,
            "is_admin": is_admin,
            "name": Markup(NAME),  # noqa: S704 (a placeholder, filled in escaped)
            "initials": Markup(INITIALS),  # noqa: S704
            "csrf": Markup(CSRF),  # noqa: S704
            "links": links,
            "badges": badges,
        }
        return render_template("_chrome/header.html", reader=reader)

    (html,) = _chrome().render_all([key], key=lambda item: item, render=render)
    values: dict[str, str] = {}
    if signed_in:
        values[NAME] = str(escape(user.display_name))
        values[INITIALS] = str(escape(user.initials))
        values[CSRF] = generate_csrf()
        for badge, count in counted:
            number, hidden = _count_markers(badge.key)
            values[number] = str(int(count))
            values[hidden] = "" if count else " hidden"
    return fill(html, values)


def page_footer() -> Markup:
    """The site footer, whose language switch brings the reader back to this page."""
    user = current_user._get_current_object()
    signed_in = bool(user.is_authenticated)
    links = _visible_links(registry().footer_links, user)
    key: Hashable = (
        "footer",
        str(get_locale()),
        request.script_root,
        signed_in,
        tuple(link.endpoint for link in links),
    )

    def render(_key: Hashable) -> str:
        reader = {
            "signed_in": signed_in,
            "csrf": Markup(CSRF),  # noqa: S704 (a placeholder, filled in escaped)
            "next_url": Markup(NEXT_URL),  # noqa: S704
            "links": links,
        }
        return render_template("_chrome/footer.html", reader=reader)

    (html,) = _chrome().render_all([key], key=lambda item: item, render=render)
    values = {NEXT_URL: str(escape((request.script_root + request.path).rstrip("?")))}
    if signed_in:
        values[CSRF] = generate_csrf()
    return fill(html, values)


def init_app(app: Any) -> None:
    app.jinja_env.globals["page_header"] = page_header
    app.jinja_env.globals["page_footer"] = page_footer
