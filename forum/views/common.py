"""What the forum's views share: rate limits, post addresses, and the
template helpers that render long topic pages cheaply.

A refusal from a service is shown the way every feature shows it (`community.forms`).
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _

from community.extensions import limiter
from forum import bp
from forum.models import Topic
from forum.paths import path_for
from forum.services.reading import page_of
from forum.settings import rate_limit

# One budget per address for every form that writes: topics, replies, edits, votes, flags.
posting_limit = limiter.shared_limit(
    lambda: rate_limit("FORUM_RATE_LIMIT_POST"), scope="forum-post", methods=["POST"]
)


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def topic_location(topic: Topic) -> str:
    """A topic's first page."""
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug)


def post_location(topic_id: int, slug: str, number: int) -> str:
    """Where a post is: its topic's page, scrolled to it."""
    page = page_of(number)
    values: dict[str, Any] = {"topic_id": topic_id, "slug": slug}
    if page > 1:
        values["page"] = page
    return path_for("forum.topic", **values) + f"#post-{number}"


@bp.app_template_filter("forum_initials")
def initials(name: str) -> str:
    """Avatar letters from a display name, as `User.initials` makes them."""
    parts = [part for part in (name or "").split() if part]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


# A number no route uses on its own, to cut a built address where the id goes.
_SLOT = 987654321
_POST_ENDPOINTS = {
    "post": "forum.post",
    "vote": "forum.vote",
    "accept": "forum.accept",
    "edit": "forum.edit_post",
    "delete": "forum.delete_post",
    "flag": "forum.flag_post",
    "moderate": "forum.moderate_post",
    "history": "forum.history",
}


class PostLinks:
    """Addresses of posts' actions for a page that lists many posts.

    `url_for` costs a few microseconds, and a topic page needs over a hundred of them; this
    builds each kind once and puts the id in its place: `links("vote", 7)`.
    """

    def __init__(self) -> None:
        self._parts: dict[str, tuple[str, str]] = {}

    def __call__(self, kind: str, ident: int) -> str:
        parts = self._parts.get(kind)
        if parts is None:
            if kind == "member":
                built = url_for("forum.member", user_id=_SLOT)
            else:
                built = url_for(_POST_ENDPOINTS[kind], post_id=_SLOT)
            head, _slot, tail = built.partition(str(_SLOT))
            parts = self._parts[kind] = (head, tail)
        return f"{parts[0]}{ident}{parts[1]}"


@bp.app_template_global("forum_post_links")
def post_links() -> PostLinks:
    return PostLinks()


@bp.app_template_global("forum_post_text")
def post_text() -> dict[str, str]:
    """The words every post repeats, translated once per page rather than once per post."""
    return {
        "former_member": _("a former member"),
        "former_member_name": _("A former member"),
        "staff": _("Staff"),
        "edited": _("edited"),
        "accepted": _("Accepted answer"),
        "take_back_vote": _("Take back your vote"),
        "helped": _("This helped"),
        "votes": _("votes"),
        "votes_title": _("Votes"),
        "quote": _("Quote"),
        "accept": _("Accept as the answer"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "delete_topic": _("Delete this topic?"),
        "delete_post": _("Delete this post?"),
        "flag": _("Flag"),
        "hide": _("Hide"),
        "restore": _("Restore"),
    }
