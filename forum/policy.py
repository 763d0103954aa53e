"""Who may do what in the forum: pure questions about a person and a topic or post.

Services ask these before every change (and raise `NotAllowed` or `NotFound`);
templates get the answers as flags, so no rule lives in a template.

- Reading is open to everyone; a hidden topic or post is seen by moderators (and its
  author), a deleted one only by moderators.
- Writing (topics, replies, votes, flags, watching) needs a confirmed email address.
- Staff means any role: staff accept answers, manage categories and announce; moderators
  (and admins) moderate; editors turn answers into articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from community.accounts.models import Role
from forum.models import ForumCategory, Post, Topic


@dataclass(frozen=True)
class Viewer:
    """What the rules need to know about a person, worked out once.

    A page asks a dozen questions per post; answering them from the user object would look
    its roles up each time. Every rule below takes a user or a Viewer.
    """

    id: int | None
    signed_in: bool
    writer: bool
    staff: bool
    moderator: bool
    editor: bool


ANONYMOUS = Viewer(None, False, False, False, False, False)


def signed_in(user: Any) -> bool:
    if isinstance(user, Viewer):
        return user.signed_in
    return bool(user is not None and getattr(user, "is_authenticated", False))


def viewer(user: Any) -> Viewer:
    if isinstance(user, Viewer):
        return user
    if not signed_in(user):
        return ANONYMOUS
    roles = user.roles
    admin = Role.ADMIN in roles
    return Viewer(
        id=user.id,
        signed_in=True,
        writer=bool(user.is_active and user.is_confirmed),
        staff=bool(roles),
        moderator=admin or Role.MODERATOR in roles,
        editor=admin or Role.EDITOR in roles,
    )


def is_moderator(user: Any) -> bool:
    return viewer(user).moderator


def is_staff(user: Any) -> bool:
    return viewer(user).staff


def is_editor(user: Any) -> bool:
    return viewer(user).editor


def can_write(user: Any) -> bool:
    """An active account with a confirmed email address."""
    return viewer(user).writer


def _is_author(user: Any, author_id: int | None) -> bool:
    return author_id is not None and viewer(user).id == author_id


# Reading -------------------------------------------------------------------------------------
def _can_see(thing: Topic | Post, user: Any) -> bool:
    """Moderators see everything; others nothing deleted, and hidden only their own."""
    if is_moderator(user):
        return True
    if thing.deleted_at is not None:
        return False
    return not thing.is_hidden or _is_author(user, thing.author_id)


def can_see_topic(topic: Topic, user: Any) -> bool:
    return _can_see(topic, user)


def can_see_post_body(post: Post, user: Any) -> bool:
    """Whether the post's words show, or a "hidden" / "deleted" placeholder instead."""
    return _can_see(post, user)


def can_see_history(user: Any) -> bool:
    """Earlier versions of edited posts are for moderators."""
    return is_moderator(user)


# Writing -------------------------------------------------------------------------------------
def can_start_topic(category: ForumCategory, user: Any) -> bool:
    return can_write(user) and (not category.announcement_only or is_staff(user))


def offers_new_topic(category: ForumCategory, user: Any) -> bool:
    """The "new topic" button: visitors see it too (it leads to the login), except where
    only staff post."""
    if signed_in(user):
        return can_start_topic(category, user)
    return not category.announcement_only


def can_reply(topic: Topic, user: Any) -> bool:
    if not can_write(user) or not topic.is_listed:
        return False
    return not topic.is_locked or is_moderator(user)


def can_edit(post: Post, topic: Topic, user: Any) -> bool:
    if is_moderator(user):
        return can_write(user)
    return (
        can_write(user)
        and _is_author(user, post.author_id)
        and post.is_visible
        and topic.is_listed
        and not topic.is_locked
    )


def can_delete(post: Post, topic: Topic, user: Any) -> bool:
    if post.deleted_at is not None:
        return False
    if is_moderator(user):
        return True
    return can_write(user) and _is_author(user, post.author_id) and topic.deleted_at is None


def can_accept(post: Post, topic: Topic, user: Any) -> bool:
    """The asker or staff picks a visible reply as the answer of a listed topic."""
    return (
        can_write(user)
        and (_is_author(user, topic.author_id) or is_staff(user))
        and not post.is_question
        and post.is_visible
        and topic.is_listed
    )


def can_unaccept(topic: Topic, user: Any) -> bool:
    return (
        can_write(user)
        and topic.is_solved
        and (_is_author(user, topic.author_id) or is_staff(user))
    )


def can_vote(post: Post, topic: Topic, user: Any) -> bool:
    """Replies are upvoted by anyone but their author."""
    return (
        can_write(user)
        and not post.is_question
        and not _is_author(user, post.author_id)
        and post.is_visible
        and topic.is_listed
    )


def can_flag(post: Post, topic: Topic, user: Any) -> bool:
    return (
        can_write(user)
        and not _is_author(user, post.author_id)
        and post.deleted_at is None
        and can_see_topic(topic, user)
    )


def can_watch(topic: Topic, user: Any) -> bool:
    return can_write(user) and can_see_topic(topic, user)


def can_moderate(user: Any) -> bool:
    return is_moderator(user)


def can_manage_categories(user: Any) -> bool:
    """Staff create categories and make one announcement-only."""
    return is_staff(user)


def can_make_article(topic: Topic, user: Any) -> bool:
    """An editor turns a solved, listed topic's answer into a knowledge-base draft."""
    return is_editor(user) and topic.is_solved and topic.is_listed
