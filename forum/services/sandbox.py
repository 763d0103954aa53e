"""Limits that keep spam out, in the manner of Discourse's defaults for new members.

A member is new for `FORUM_SANDBOX_HOURS` after signing up. New members may start a few
topics and post a limited number of replies in that time, and put only a couple of links
(or images) and mentions in a post. Everyone waits a moment between posts (new members
longer) and cannot post the same text twice within a few minutes. Staff are exempt.
Every limit is a setting (`forum.settings`); the defaults follow Discourse's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Row, select

from community.accounts.models import User
from community.errors import InvalidInput
from community.extensions import db
from forum.content import RenderedBody
from forum.models import Post
from forum.settings import setting


def is_new_member(user: User, now: datetime) -> bool:
    """Signed up less than `FORUM_SANDBOX_HOURS` ago."""
    return now - user.created_at < timedelta(hours=setting("FORUM_SANDBOX_HOURS"))


def _normalised(body: str) -> str:
    return " ".join(body.split()).casefold()


def check_content(user: Any, rendered: RenderedBody, now: datetime) -> None:
    """Links and mentions per post (for new posts and for edits)."""
    if user.is_staff:
        return
    new = is_new_member(user, now)
    max_links = setting("FORUM_SANDBOX_MAX_LINKS")
    if new and rendered.link_count > max_links:
        raise InvalidInput(
            _(
                "New members can put at most %(count)d links or images in a post.",
                count=max_links,
            ),
            field="body",
        )
    max_mentions = setting("FORUM_SANDBOX_MAX_MENTIONS" if new else "FORUM_MAX_MENTIONS")
    if len(rendered.mentions) > max_mentions:
        raise InvalidInput(
            _("You can mention at most %(count)d people in a post.", count=max_mentions),
            field="body",
        )


def check_new_post(
    user: Any, body: str, rendered: RenderedBody, now: datetime, *, starts_topic: bool
) -> None:
    """Every sandbox limit on a new topic or reply; InvalidInput says which one was hit."""
    if user.is_staff:
        return
    check_content(user, rendered, now)
    new = is_new_member(user, now)
    gap = setting("FORUM_SANDBOX_SECONDS_BETWEEN_POSTS" if new else "FORUM_SECONDS_BETWEEN_POSTS")
    duplicate_window = timedelta(minutes=setting("FORUM_DUPLICATE_MINUTES"))
    since = now - max(
        timedelta(hours=24) if new else timedelta(0), duplicate_window, timedelta(seconds=gap)
    )
    recent = db.session.execute(
        select(Post.number, Post.created_at, Post.body)
        .where(Post.author_id == user.id, Post.created_at >= since)
        .order_by(Post.created_at.desc())
    ).all()
    if new:
        _check_first_day(recent, starts_topic=starts_topic)
    if recent and gap and now - recent[0].created_at < timedelta(seconds=gap):
        wait = gap - int((now - recent[0].created_at).total_seconds())
        raise InvalidInput(
            _("Please wait %(seconds)d seconds before posting again.", seconds=max(1, wait))
        )
    _check_repeat(body, recent, now - duplicate_window)


def _check_first_day(recent: Sequence[Row[Any]], *, starts_topic: bool) -> None:
    """A new member's topics and replies in the last day, against their allowance."""
    topics = sum(1 for number, _at, _body in recent if number == 1)
    replies = len(recent) - topics
    if starts_topic and topics >= setting("FORUM_SANDBOX_TOPICS_PER_DAY"):
        raise InvalidInput(
            _(
                "New members can start %(count)d topics in their first day. "
                "Please come back tomorrow.",
                count=setting("FORUM_SANDBOX_TOPICS_PER_DAY"),
            )
        )
    if not starts_topic and replies >= setting("FORUM_SANDBOX_REPLIES_PER_DAY"):
        raise InvalidInput(
            _(
                "New members can post %(count)d replies in their first day. "
                "Please come back tomorrow.",
                count=setting("FORUM_SANDBOX_REPLIES_PER_DAY"),
            )
        )


def _check_repeat(body: str, recent: Sequence[Row[Any]], since: datetime) -> None:
    """The same text again, within the duplicate window, is refused."""
    text = _normalised(body)
    if any(
        created >= since and _normalised(previous) == text for _number, created, previous in recent
    ):
        raise InvalidInput(
            _("You posted this same text a few minutes ago. Please add something new."),
            field="body",
        )
