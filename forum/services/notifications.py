"""Watching topics, in-site notifications, and reply and mention emails.

People watch a topic by choice, and automatically when they post in it. A new reply
notifies every watcher in the site (unread replies in one topic gather into one notice)
and by email at most once per topic until they visit it again; each email carries a
one-click unsubscribe for that topic (`forum.replies:topic:<id>`), and the email
preferences page can stop all of them (`forum.replies`). Somebody mentioned gets a
notice and an email (`forum.mentions`) instead of the reply one. An accepted answer
notifies its author in the site.

Emails are queued in the transaction of the post that causes them, never after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import aliased

from community.accounts.models import User
from community.badges import badges_changed
from community.db import utcnow
from community.errors import NotAllowed, NotFound
from community.extensions import db, insert_ignoring_conflicts
from community.outbox.services import Email, enqueue_emails, withdraw_queued
from community.registry import CountQuery
from community.urls import external_url
from forum import policy
from forum.content import excerpt
from forum.models import Notification, NotificationKind, Post, Topic, TopicUser
from forum.settings import setting

REPLIES_LIST = "forum.replies"
MENTIONS_LIST = "forum.mentions"
RECENT_LIMIT = 50
EMAIL_KINDS = ("reply", "mention")
# Posts this much older than the email delay can have no email left to withdraw.
EMAIL_WITHDRAW_MARGIN = 60


def replies_list_key(topic_id: int) -> str:
    """The unsubscribe list of one topic's reply emails (`forum.replies` stops them all)."""
    return f"{REPLIES_LIST}:topic:{topic_id}"


# Watching ------------------------------------------------------------------------------------
def _ensure_rows(topic_id: int, user_ids: Iterable[int]) -> None:
    """A relation row for each person, created once even when two requests race."""
    rows = [{"topic_id": topic_id, "user_id": user_id} for user_id in dict.fromkeys(user_ids)]
    if not rows:
        return
    db.session.execute(insert_ignoring_conflicts(TopicUser).values(rows))


def start_watching(topic_id: int, user_id: int) -> None:
    """Watch within the caller's transaction (posting in a topic does this)."""
    _ensure_rows(topic_id, [user_id])
    db.session.execute(
        update(TopicUser)
        .where(TopicUser.topic_id == topic_id, TopicUser.user_id == user_id)
        .values(watching=True)
    )


def set_watching(topic: Topic, user: Any, watching: bool) -> None:
    """Start or stop watching a topic: its reply notifications and emails."""
    if not policy.can_see_topic(topic, user):
        raise NotFound()
    if not policy.can_watch(topic, user):
        raise NotAllowed()
    _ensure_rows(topic.id, [user.id])
    db.session.execute(
        update(TopicUser)
        .where(TopicUser.topic_id == topic.id, TopicUser.user_id == user.id)
        .values(watching=watching, emailed=False)
    )
    db.session.commit()


_TOPIC_USER = select(TopicUser).where(
    TopicUser.user_id == bindparam("user_id"), TopicUser.topic_id == bindparam("topic_id")
)


def topic_user(topic_id: int, user_id: int) -> TopicUser | None:
    """One person's relation to a topic (watching, waiting notices), if any.

    A statement built once rather than `session.get`, which builds one on every topic page.
    """
    return db.session.scalars(_TOPIC_USER, {"user_id": user_id, "topic_id": topic_id}).first()


def mark_visited(relation: TopicUser) -> None:
    """A visit reads the topic's notifications and allows the next reply email."""
    now = utcnow()
    relation.emailed = False
    relation.unread = False
    relation.last_visited_at = now
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == relation.user_id,
            Notification.topic_id == relation.topic_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
    )
    badges_changed([relation.user_id])  # the reader's other open pages
    db.session.commit()


def seen_live(topic: Topic, user: Any, number: int) -> bool:
    """An open page showed its reader the topic's replies up to `number`, while they looked.

    When nothing newer is there for them, that counts as a visit (`mark_visited`): their
    notices for the topic are read, every open page's badge drops, and the reply and mention
    emails still held back (`FORUM_EMAIL_DELAY_SECONDS`) are withdrawn, so nobody is emailed
    about a reply they watched arrive. Whether anything was marked.
    """
    from forum.services import reading  # reading asks this module for the reader's relation

    if not policy.can_see_topic(topic, user):
        raise NotFound()
    relation = topic_user(topic.id, user.id)
    if relation is None or reading.posts_after(topic, number, user, limit=1):
        return False
    recent_posts = _recent_post_ids(topic.id, up_to=number)
    withdraw_queued(
        [_email_key(kind, post_id, user.id) for post_id in recent_posts for kind in EMAIL_KINDS]
    )
    mark_visited(relation)
    return True


def _recent_post_ids(topic_id: int, up_to: int | None = None) -> list[int]:
    """The topic's posts recent enough for an email about them to be waiting still."""
    window = setting("FORUM_EMAIL_DELAY_SECONDS") + EMAIL_WITHDRAW_MARGIN
    query = select(Post.id).where(
        Post.topic_id == topic_id, Post.created_at >= utcnow() - timedelta(seconds=window)
    )
    if up_to is not None:
        query = query.where(Post.number <= up_to)
    return list(db.session.scalars(query))


def withdraw_emails_about(post_ids: Iterable[int]) -> None:
    """Posts left readers' view (hidden or deleted): their reply and mention emails not yet
    sent are withdrawn, so a spam reply hidden in time never reaches anyone's inbox."""
    withdraw_queued(
        prefixes=[f"forum.{kind}:{post_id}:" for post_id in post_ids for kind in EMAIL_KINDS]
    )


# Notifying -----------------------------------------------------------------------------------
def _add_notice(
    user_id: int, kind: NotificationKind, post: Post, actor_id: int, **values: Any
) -> None:
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            topic_id=post.topic_id,
            post_id=post.id,
            actor_id=actor_id,
            **values,
        )
    )


def _email(
    kind: str, subject: Any, list_key: str, recipient: User, post: Post, topic: Topic, author: User
) -> Email:
    """A reply or mention email (`kind`), sent once per post and person whatever retries,
    after `FORUM_EMAIL_DELAY_SECONDS` (see `seen_live`)."""
    return Email(
        to=recipient.email,
        subject=subject,
        template=f"forum_{kind}",
        context={
            "recipient_name": recipient.display_name,
            "author_name": author.display_name,
            "topic_title": topic.title,
            "excerpt": excerpt(post.body),
            "post_url": external_url("forum.post", post_id=post.id),
            "topic_url": external_url("forum.topic", topic_id=topic.id, slug=topic.slug),
        },
        dedupe_key=_email_key(kind, post.id, recipient.id),
        category=f"forum_{kind}",
        list_key=list_key,
        locale=recipient.locale,
        delay_seconds=setting("FORUM_EMAIL_DELAY_SECONDS"),
    )


def _email_key(kind: str, post_id: int, recipient_id: int) -> str:
    return f"forum.{kind}:{post_id}:{recipient_id}"


def notify_mentions(post: Post, topic: Topic, author: User, people: Sequence[User]) -> list[int]:
    """Tell each person mentioned (who may read the topic); returns who was told."""
    told = []
    emails = []
    subject = _l(
        "%(name)s mentioned you in “%(title)s”", name=author.display_name, title=topic.title
    )
    for person in people:
        if person.id == author.id or not policy.can_see_topic(topic, person):
            continue
        _add_notice(person.id, NotificationKind.MENTION, post, author.id)
        if person.is_confirmed:
            emails.append(_email("mention", subject, MENTIONS_LIST, person, post, topic, author))
        told.append(person.id)
    enqueue_emails(emails)  # one statement for everyone mentioned
    if told:
        _ensure_rows(topic.id, told)
        _mark_unread(topic.id, told)
    return told


def _mark_unread(topic_id: int, user_ids: list[int]) -> None:
    db.session.execute(
        update(TopicUser)
        .where(TopicUser.topic_id == topic_id, TopicUser.user_id.in_(user_ids))
        .values(unread=True)
    )


def _audience(topic: Topic, skipped: set[int]) -> list[tuple[TopicUser, User]]:
    """The topic's active watchers who may still read it, with their relation rows."""
    watchers = db.session.execute(
        select(TopicUser, User)
        .join(User, User.id == TopicUser.user_id)
        .where(
            TopicUser.topic_id == topic.id,
            TopicUser.watching.is_(True),
            User.is_active_account.is_(True),
        )
    )
    return [
        (relation, person)
        for relation, person in watchers
        if person.id not in skipped and policy.can_see_topic(topic, person)
    ]


def _unread_reply_notices(topic_id: int, user_ids: list[int]) -> dict[int, Notification]:
    """Each person's unread reply notice in the topic, which new replies gather into."""
    return {
        notice.user_id: notice
        for notice in db.session.scalars(
            select(Notification).where(
                Notification.topic_id == topic_id,
                Notification.kind == NotificationKind.REPLY,
                Notification.read_at.is_(None),
                Notification.user_id.in_(user_ids),
            )
        )
    }


def notify_watchers(
    post: Post, topic: Topic, author: User, *, skip: Iterable[int] = ()
) -> list[int]:
    """A new reply: a notice for each watcher, and an email unless one waits unvisited."""
    audience = _audience(topic, {author.id, *skip})
    if not audience:
        return []
    ids = [person.id for _relation, person in audience]
    gathered = _unread_reply_notices(topic.id, ids)
    now = utcnow()
    emails = []
    subject = _l("New reply in “%(title)s”", title=topic.title)
    for relation, person in audience:
        notice = gathered.get(person.id)
        if notice is None:
            _add_notice(person.id, NotificationKind.REPLY, post, author.id, created_at=now)
        else:  # the link still leads to the first unread reply
            notice.count += 1
            notice.actor_id = author.id
            notice.created_at = now
        relation.unread = True
        if not relation.emailed and person.is_confirmed:
            relation.emailed = True
            list_key = replies_list_key(topic.id)
            emails.append(_email("reply", subject, list_key, person, post, topic, author))
    enqueue_emails(emails)  # one statement for every watcher, however many
    return ids


def notify_accepted(post: Post, topic: Topic, by: User) -> list[int]:
    """The answer's author learns their reply was accepted (unless they chose it)."""
    if post.author_id is None or post.author_id == by.id:
        return []
    _add_notice(post.author_id, NotificationKind.ACCEPTED, post, by.id)
    _ensure_rows(topic.id, [post.author_id])
    _mark_unread(topic.id, [post.author_id])
    return [post.author_id]


def push_counts(user_ids: Iterable[int]) -> None:
    """These people's open pages refresh their badges once the transaction commits."""
    badges_changed(user_ids)


def settle_topic(topic_id: int) -> None:
    """The topic left readers' view (hidden or deleted): its unread notices count no more.

    Runs in the caller's transaction; the badge and the list then agree, on open pages too,
    and the emails about its posts that are still held back are withdrawn.
    """
    withdraw_emails_about(_recent_post_ids(topic_id))
    told = db.session.scalars(
        update(Notification)
        .where(Notification.topic_id == topic_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .returning(Notification.user_id)
    ).all()
    badges_changed(told)


# Reading -------------------------------------------------------------------------------------
_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("forum_user"), Notification.read_at.is_(None)
)


def unread_count_query(user: Any) -> CountQuery:
    """The navigation badge's count, which the navigation runs with the other badges'."""
    return CountQuery(_UNREAD, {"forum_user": user.id})


def unread_count(user: Any) -> int:
    """The navigation badge: one indexed count."""
    return db.session.scalar(_UNREAD, {"forum_user": user.id}) or 0


@dataclass(frozen=True)
class NoticeRow:
    notice: Notification
    topic_title: str
    topic_slug: str
    actor_name: str | None


_ACTOR = aliased(User, name="actor")


def recent(user: Any, limit: int = RECENT_LIMIT) -> list[NoticeRow]:
    """The person's latest notices with their topics and who caused them, in one query.

    Notices about a topic moderators have since hidden or deleted are left out: its title
    may be the spam that got it hidden.
    """
    actor = _ACTOR
    query = (
        select(Notification, Topic.title, Topic.slug, actor.display_name)
        .join(Topic, Topic.id == Notification.topic_id)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id == user.id)
    )
    if not policy.is_moderator(user):
        query = query.where(Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))
    rows = db.session.execute(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    )
    return [NoticeRow(notice, title, slug, name) for notice, title, slug, name in rows]


def open_notice(user: Any, notice_id: int) -> Notification:
    """Mark one of the person's notices read; anyone else's is not found."""
    notice = db.session.get(Notification, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound()
    if notice.read_at is None:
        notice.read_at = utcnow()
        badges_changed([user.id])
        db.session.commit()
    return notice


def notice_target(notice: Notification) -> tuple[int, str, int]:
    """Where a notice leads: (topic id, topic slug, post number)."""
    row = db.session.execute(
        select(Topic.slug, Post.number)
        .select_from(Topic)
        .outerjoin(Post, Post.id == notice.post_id)
        .where(Topic.id == notice.topic_id)
    ).one()
    return notice.topic_id, row[0], row[1] or 1


def mark_all_read(user: Any) -> None:
    """Read every notice at once (the button on the notifications page)."""
    now: datetime = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    db.session.execute(
        update(TopicUser)
        .where(TopicUser.user_id == user.id, TopicUser.unread.is_(True))
        .values(unread=False)
    )
    badges_changed([user.id])
    db.session.commit()
