"""Flags and moderation: the queue, hide and restore, lock, pin, move, and the log.

Anyone who may write flags a post with a reason; flags from `FORUM_FLAGS_TO_HIDE` people
hide a post (never a staff post) until a moderator looks. Moderators see who flagged what,
hide or restore posts and topics, dismiss flags (which also brings back a post the flags
hid), lock, pin and move topics. Hiding the question hides its topic. Every action is
logged with who did it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput, NotAllowed, NotFound
from community.extensions import db
from community.forms import clean_text
from community.markdown import render_markdown
from forum import policy
from forum.models import (
    MAX_FLAG_NOTE,
    Flag,
    FlagReason,
    ForumCategory,
    ModerationAction,
    ModerationKind,
    Post,
    PostRevision,
    Topic,
)
from forum.services import counters, notifications, realtime
from forum.services.indexing import sync_topic
from forum.settings import setting

QUEUE_PAGE = 25
LOG_LENGTH = 30


def log_action(
    moderator: User | None,
    action: ModerationKind,
    *,
    topic_id: int | None = None,
    post_id: int | None = None,
    detail: str = "",
) -> None:
    """Record who did what, in the caller's transaction, for the queue's log."""
    db.session.add(
        ModerationAction(
            moderator_id=moderator.id if moderator else None,
            action=action,
            topic_id=topic_id,
            post_id=post_id,
            detail=clean_text(detail)[:200],
        )
    )


def _require_moderator(user: Any) -> None:
    if not policy.can_moderate(user):
        raise NotAllowed()


def _open_flag_count(post_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Flag.id)).where(Flag.post_id == post_id, Flag.resolved_at.is_(None))
        )
        or 0
    )


def resolve_flags(
    post: Post, by: User | None, resolution: str, *, at: datetime | None = None
) -> None:
    """Close the post's open flags with how they ended (in the caller's transaction)."""
    db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(
            resolved_at=at or utcnow(),
            resolved_by_id=by.id if by else None,
            resolution=resolution,
        )
    )
    post.open_flag_count = 0


# Flags ---------------------------------------------------------------------------------------
def flag_post(post: Post, *, by: User, reason: str, note: str = "") -> Flag:
    """Report a post to the moderators; enough reports hide it until they look."""
    topic = db.session.get_one(Topic, post.topic_id)
    if not policy.can_see_topic(topic, by):
        raise NotFound()
    if not policy.can_flag(post, topic, by):
        raise NotAllowed()
    if reason not in set(FlagReason):
        raise InvalidInput(_("Choose a reason."), field="reason")
    note = clean_text(note)[:MAX_FLAG_NOTE]
    if reason == FlagReason.OTHER and not note:
        raise InvalidInput(_("Tell the moderators what is wrong."), field="note")
    flag = db.session.scalar(select(Flag).where(Flag.post_id == post.id, Flag.user_id == by.id))
    if flag is not None and flag.resolved_at is None:
        raise InvalidInput(_("You have flagged this post already; a moderator will look at it."))
    if flag is None:
        flag = Flag(post_id=post.id, user_id=by.id, reason=reason, note=note)
        db.session.add(flag)
    else:  # flagged again after a moderator dismissed it
        flag.reason, flag.note, flag.created_at = reason, note, utcnow()
        flag.resolved_at = flag.resolved_by_id = flag.resolution = None
    db.session.flush()
    post.open_flag_count = _open_flag_count(post.id)
    if (
        post.open_flag_count >= setting("FORUM_FLAGS_TO_HIDE")
        and not post.is_hidden
        and not post.by_staff
    ):
        _hide(post, topic, None)
        log_action(None, ModerationKind.AUTO_HIDE, topic_id=topic.id, post_id=post.id)
        _push_hidden(post, topic)
    db.session.commit()
    return flag


def dismiss_flags(post: Post, *, by: User) -> None:
    """The flags were wrong: close them, and bring back a post they hid."""
    _require_moderator(by)
    topic = db.session.get_one(Topic, post.topic_id)
    resolve_flags(post, by, "dismissed")
    brought_back = post.is_hidden and post.hidden_by_id is None
    if brought_back:
        _restore(post, topic)
    log_action(by, ModerationKind.DISMISS_FLAGS, topic_id=topic.id, post_id=post.id)
    if brought_back:
        realtime.post_changed(topic, post.id)
    db.session.commit()


# Hiding and restoring ------------------------------------------------------------------------
def _hide(post: Post, topic: Topic, by: User | None) -> None:
    now = utcnow()
    post.is_hidden = True
    post.hidden_at = now
    post.hidden_by_id = by.id if by else None
    if post.is_question:
        topic.is_hidden = True
    withdraw_post(post, topic)


def _recount(topic: Topic) -> None:
    """Visibility changed: the counts, the latest activity and the search index follow."""
    counters.refresh_topic(topic)
    counters.refresh_category(topic.category_id)
    sync_topic(topic)


def withdraw_post(post: Post, topic: Topic) -> None:
    """A post has left readers' view (hidden or deleted): what showed it follows.

    The question takes the topic's notices with it; an accepted answer unsolves the topic;
    counts, the latest activity and the search index are brought up to date.
    """
    if post.is_question:
        notifications.settle_topic(topic.id)
    else:
        notifications.withdraw_emails_about([post.id])
    if topic.accepted_post_id == post.id:
        topic.accepted_post_id = None
        topic.solved_at = None
    _recount(topic)


def _restore(post: Post, topic: Topic) -> None:
    post.is_hidden = False
    post.hidden_at = None
    post.hidden_by_id = None
    post.deleted_at = None
    post.deleted_by_id = None
    if post.is_question:
        topic.is_hidden = False
        topic.deleted_at = None
    _recount(topic)


def _push_hidden(post: Post, topic: Topic) -> None:
    """Open pages drop the topic (its question is hidden) or fetch the hidden post."""
    if post.is_question:
        realtime.topic_gone(topic.id)
    else:
        realtime.post_changed(topic, post.id)


def hide_post(post: Post, *, by: User, reason: str = "") -> None:
    """Hide a post from readers (the question hides its topic); its flags are settled."""
    _require_moderator(by)
    topic = db.session.get_one(Topic, post.topic_id)
    resolve_flags(post, by, "hidden")
    if not post.is_hidden:
        _hide(post, topic, by)
    log_action(by, ModerationKind.HIDE_POST, topic_id=topic.id, post_id=post.id, detail=reason)
    _push_hidden(post, topic)
    db.session.commit()


def restore_post(post: Post, *, by: User) -> None:
    """Bring back a hidden or deleted post (the question brings back its topic)."""
    _require_moderator(by)
    topic = db.session.get_one(Topic, post.topic_id)
    _restore(post, topic)
    log_action(by, ModerationKind.RESTORE_POST, topic_id=topic.id, post_id=post.id)
    if post.is_question:
        realtime.topic_changed(topic)
    else:
        realtime.post_changed(topic, post.id)
    db.session.commit()


TOPIC_ACTIONS = {
    "hide": ModerationKind.HIDE_TOPIC,
    "restore": ModerationKind.RESTORE_TOPIC,
    "lock": ModerationKind.LOCK,
    "unlock": ModerationKind.UNLOCK,
    "pin": ModerationKind.PIN,
    "unpin": ModerationKind.UNPIN,
}


def moderate_topic(topic: Topic, action: str, *, by: User) -> None:
    """Hide, restore, lock, unlock, pin or unpin a topic."""
    _require_moderator(by)
    kind = TOPIC_ACTIONS.get(action)
    if kind is None:
        raise InvalidInput(_("Unknown action."))
    if action in ("hide", "restore"):
        topic.is_hidden = action == "hide"
        if action == "hide":
            notifications.settle_topic(topic.id)
        if action == "restore":
            topic.deleted_at = None
            db.session.execute(
                update(Post)
                .where(Post.topic_id == topic.id, Post.number == 1)
                .values(is_hidden=False, hidden_at=None, hidden_by_id=None, deleted_at=None)
            )
        _recount(topic)
    else:
        if action in ("lock", "unlock"):
            topic.is_locked = action == "lock"
        else:
            topic.is_pinned = action == "pin"
        counters.touch_topic(topic)
        counters.touch_category(topic.category_id)
    log_action(by, kind, topic_id=topic.id)
    if action == "hide":
        realtime.topic_gone(topic.id)
    else:
        realtime.topic_changed(topic)
    db.session.commit()


def move_topic(topic: Topic, category_id: int, *, by: User) -> None:
    """Put a topic in another category; both categories' counts follow."""
    _require_moderator(by)
    target = db.session.get(ForumCategory, category_id)
    if target is None:
        raise InvalidInput(_("Choose a category."), field="category_id")
    if target.id == topic.category_id:
        return
    previous = db.session.get_one(ForumCategory, topic.category_id)
    topic.category_id = target.id
    counters.touch_topic(topic)
    counters.refresh_category(previous.id)
    counters.refresh_category(target.id)
    log_action(
        by, ModerationKind.MOVE, topic_id=topic.id, detail=f"{previous.name} → {target.name}"
    )
    realtime.topic_changed(topic)
    db.session.commit()


# The queue -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlagRow:
    flag: Flag
    flagger_name: str


@dataclass(frozen=True)
class QueueItem:
    post: Post
    topic: Topic
    author_name: str | None
    flags: list[FlagRow]


@dataclass(frozen=True)
class LogRow:
    action: ModerationAction
    moderator_name: str | None
    topic_title: str | None


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    hidden: list[tuple[Post, Topic]]
    log: list[LogRow]


def queue(by: Any) -> Queue:
    """Flagged posts (oldest report first) with who flagged them and why; hidden posts; log."""
    _require_moderator(by)
    first_flag = func.min(Flag.created_at)
    flagged = (
        select(Flag.post_id, first_flag.label("first"))
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.post_id)
        .order_by(first_flag)
        .limit(QUEUE_PAGE)
        .subquery()
    )
    rows = db.session.execute(
        select(Post, Topic, User.display_name)
        .join(flagged, flagged.c.post_id == Post.id)
        .join(Topic, Topic.id == Post.topic_id)
        .outerjoin(User, User.id == Post.author_id)
        .order_by(flagged.c.first)
    )
    rows = list(rows)
    flags: dict[int, list[FlagRow]] = defaultdict(list)
    if rows:
        for flag, name in db.session.execute(
            select(Flag, User.display_name)
            .join(User, User.id == Flag.user_id)
            .where(Flag.post_id.in_([post.id for post, _t, _n in rows]), Flag.resolved_at.is_(None))
            .order_by(Flag.created_at)
        ):
            flags[flag.post_id].append(FlagRow(flag, name))
    hidden = db.session.execute(
        select(Post, Topic)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.is_hidden.is_(True))
        .order_by(Post.hidden_at.desc())
        .limit(QUEUE_PAGE)
    )
    log = db.session.execute(
        select(ModerationAction, User.display_name, Topic.title)
        .outerjoin(User, User.id == ModerationAction.moderator_id)
        .outerjoin(Topic, Topic.id == ModerationAction.topic_id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(LOG_LENGTH)
    )
    return Queue(
        items=[QueueItem(post, topic, name, flags.get(post.id, [])) for post, topic, name in rows],
        hidden=list(hidden),
        log=[LogRow(action, name, title) for action, name, title in log],
    )


@dataclass(frozen=True)
class Version:
    revision: PostRevision
    html: str
    replaced_by_name: str | None


def post_history(post: Post, by: Any) -> list[Version]:
    """Earlier versions of a post, newest first, for moderators."""
    if not policy.can_see_history(by):
        raise NotAllowed()
    rows = db.session.execute(
        select(PostRevision, User.display_name)
        .outerjoin(User, User.id == PostRevision.replaced_by_id)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.replaced_at.desc(), PostRevision.id.desc())
    )
    return [Version(revision, render_markdown(revision.body), name) for revision, name in rows]


def open_flag_total() -> int:
    """Posts with open flags: the moderation backlog `/healthz` reports."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(Flag.post_id))).where(Flag.resolved_at.is_(None))
        )
        or 0
    )
