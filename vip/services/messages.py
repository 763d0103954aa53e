"""Messages: write one, read receipts, typing, history and unread counts.

A message's pushes are queued in the transaction that stores it and leave after the commit,
so what a reload shows is exactly what was said. Posting also keeps the client's wait up to
date (when it began, when the promise runs out, how long the first reply took) in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import defaultload

from community.accounts.models import User
from community.badges import badges_changed
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import db
from community.forms import clean_text, has_visible_text
from community.markdown import render_markdown
from community.registry import CountQuery
from vip import policy
from vip.models import MESSAGE_MAX_LENGTH, VipConversation, VipMessage
from vip.policy import Side
from vip.services import realtime
from vip.tiers import promise_for

HISTORY_PAGE = 30


def clean_body(body: str) -> str:
    """The text as it will be stored, or a 422 naming the `body` field."""
    text = clean_text(body)
    if not has_visible_text(text):
        raise InvalidInput(_("Write a message first."), field="body")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise InvalidInput(
            _("A message can be at most %(count)d characters.", count=MESSAGE_MAX_LENGTH),
            field="body",
        )
    return text


def _lock(conversation: VipConversation, now: datetime) -> VipConversation:
    """Take the conversation's row for this transaction and re-read it, in one statement.

    The UPDATE (of the last message's time) holds the row on PostgreSQL and the write lock
    on SQLite, so two messages racing from two processes cannot both start the client's wait.
    """
    return db.session.scalars(
        update(VipConversation)
        .where(VipConversation.id == conversation.id)
        .values(last_message_at=now)
        .returning(VipConversation)
        .execution_options(populate_existing=True)
    ).one()


def _mark_other_side_read(
    conversation: VipConversation, reader_side: Side, now: datetime, up_to: int | None = None
) -> list[int]:
    """Mark what the other side wrote (up to `up_to`) as read; the ids marked."""
    condition = (
        VipMessage.conversation_id == conversation.id,
        VipMessage.from_staff.is_(reader_side is Side.CLIENT),
        VipMessage.read_at.is_(None),
        *(() if up_to is None else (VipMessage.id <= up_to,)),
    )
    return list(
        db.session.scalars(
            update(VipMessage)
            .where(*condition)
            .values(read_at=now)
            .returning(VipMessage.id)
            .execution_options(synchronize_session=False)
        )
    )


@dataclass(frozen=True)
class PostedMessage:
    """A saved message: its id, and what was pushed to the conversation's people."""

    id: int
    payload: dict[str, Any]


def post_message(
    author: User,
    conversation: VipConversation,
    body: str,
    *,
    now: datetime | None = None,
    nonce: str | None = None,
    origin_sid: str | None = None,
) -> PostedMessage:
    """Save a message and the client's wait in one transaction; push it once committed.

    `origin_sid` is the socket it came through, which gets the message in its answer
    rather than pushed a second time (the author's other tabs still get the push).
    """
    now = now or utcnow()
    text = clean_body(body)
    policy.side_of(author, conversation, now)
    conversation = _lock(conversation, now)
    side = policy.side_of(author, conversation, now)  # the assignment may have changed meanwhile

    message = VipMessage(
        conversation_id=conversation.id,
        author=author,
        from_staff=side is not Side.CLIENT,
        by_backup=side is Side.BACKUP,
        body=text,
        body_html=render_markdown(text),
        created_at=now,
    )
    _update_wait(conversation, message, side, author.vip_tier, now)
    # Answering shows the other side's messages were read.
    seen_up_to = max(_mark_other_side_read(conversation, side, now), default=0)
    db.session.add(message)
    db.session.flush()
    payload = realtime.message_payload(message, nonce)
    _push_posted(conversation, author.id, side, payload, seen_up_to, now, origin_sid)
    db.session.commit()
    return PostedMessage(id=payload["id"], payload=payload)


def _update_wait(
    conversation: VipConversation, message: VipMessage, side: Side, tier: str | None, now: datetime
) -> None:
    """A client's first unanswered message starts the wait; a staff reply ends it."""
    if side is Side.CLIENT:
        if conversation.waiting_since is None:
            conversation.waiting_since = now
            conversation.reply_due_at = now + promise_for(tier)
        return
    if conversation.waiting_since is not None:
        waited = (now - conversation.waiting_since).total_seconds()
        message.reply_seconds = max(0, round(waited))
        conversation.waiting_since = None
        conversation.reply_due_at = None
    if side is Side.MANAGER:
        conversation.escalated_at = None  # the manager is back: the backup steps out
    elif conversation.escalated_at is None:
        conversation.escalated_at = now


def _push_posted(
    conversation: VipConversation,
    author_id: int,
    side: Side,
    payload: dict[str, Any],
    seen_up_to: int,
    now: datetime,
    origin_sid: str | None,
) -> None:
    """Queue the message, its read receipt and the badge counts that moved.

    Everything that goes out is worked out inside the transaction; it leaves after the
    commit, so no connection is held while the pushes wait on the network.
    """
    people = policy.readers(conversation, now)
    realtime.push_message(people, payload, origin_sid)
    if seen_up_to:
        realtime.push_seen(
            conversation.id, people, now, seen_up_to, by_staff=side is not Side.CLIENT
        )
    # Only the counts that moved: the other side's, and the author's if they read something.
    badges_changed(person for person in people if person != author_id or seen_up_to)


def mark_read(
    reader: User,
    conversation: VipConversation,
    up_to: int | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Mark the other side's messages (up to `up_to`) as read and send the read receipt."""
    now = now or utcnow()
    side = policy.side_of(reader, conversation, now)
    from_staff = side is Side.CLIENT
    unread = select(func.max(VipMessage.id)).where(
        VipMessage.conversation_id == conversation.id,
        VipMessage.from_staff.is_(from_staff),
        VipMessage.read_at.is_(None),
    )
    if up_to is not None:
        unread = unread.where(VipMessage.id <= up_to)
    newest = db.session.scalar(unread)
    if newest is None:  # nothing to do: a page view must not take the write lock
        return 0
    ids = _mark_other_side_read(conversation, side, now, up_to=newest)
    if ids:
        people = policy.readers(conversation, now)
        realtime.push_seen(conversation.id, people, now, max(ids), by_staff=not from_staff)
        badges_changed([reader.id])
    db.session.commit()
    return len(ids)


def notify_typing(user: User, conversation: VipConversation, typing: bool) -> None:
    """Show the other side that `user` is (or stopped) typing; nothing is stored."""
    now = utcnow()
    policy.side_of(user, conversation, now)
    others = [person for person in policy.readers(conversation, now) if person != user.id]
    realtime.push_typing(conversation.id, others, user.display_name, typing)
    db.session.commit()  # nothing was written: ending the reads sends the push now


@dataclass(frozen=True)
class HistoryPage:
    messages: list[VipMessage]  # oldest first
    has_more: bool

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].id if self.messages else None


def history(
    conversation: VipConversation, *, before: int | None = None, limit: int = HISTORY_PAGE
) -> HistoryPage:
    """A page of messages older than `before` (the newest page without it)."""
    statement = (
        select(VipMessage)
        .where(VipMessage.conversation_id == conversation.id)
        .order_by(VipMessage.id.desc())
        .limit(limit + 1)
        # Authors come joined; their roles are not needed to show a message.
        .options(defaultload(VipMessage.author).lazyload(User.role_rows))
    )
    if before is not None:
        statement = statement.where(VipMessage.id < before)
    rows = list(db.session.scalars(statement))
    return HistoryPage(messages=list(reversed(rows[:limit])), has_more=len(rows) > limit)


def _unread_for(
    user_id: Any, *, as_client: bool, as_staff: bool, now: Any
) -> Select[tuple[int]] | None:
    """The count of messages waiting for a person, as one statement over indexed columns."""
    conditions = []
    if as_client:
        conditions.append(
            and_(VipConversation.client_id == user_id, VipMessage.from_staff.is_(True))
        )
    if as_staff:
        conditions.append(
            and_(VipConversation.manager_id == user_id, VipMessage.from_staff.is_(False))
        )
        conditions.append(
            and_(
                VipConversation.backup_manager_id == user_id,
                VipMessage.from_staff.is_(False),
                or_(VipConversation.escalated_at.is_not(None), VipConversation.reply_due_at <= now),
            )
        )
    if not conditions:
        return None
    return (
        select(func.count(VipMessage.id))
        .join(VipConversation, VipMessage.conversation_id == VipConversation.id)
        .where(VipMessage.read_at.is_(None), or_(*conditions))
    )


@cache
def _unread_statement(as_client: bool, as_staff: bool) -> Select[tuple[int]] | None:
    """`_unread_for` with the person and the time as parameters: built once per kind."""
    return _unread_for(
        bindparam("vip_user"), as_client=as_client, as_staff=as_staff, now=bindparam("vip_now")
    )


def unread_count_query(user: User, now: datetime | None = None) -> CountQuery | None:
    """The count of messages waiting for `user` (None: nothing can wait for them)."""
    if not getattr(user, "is_authenticated", False):
        return None
    statement = _unread_statement(user.is_vip, policy.is_manager(user))
    if statement is None:
        return None
    return CountQuery(statement, {"vip_user": user.id, "vip_now": now or utcnow()})


def unread_count(user: User, now: datetime | None = None) -> int:
    """Messages waiting for `user` in every conversation they take part in: one query."""
    query = unread_count_query(user, now)
    return (db.session.scalar(query.statement, query.params) or 0) if query is not None else 0


def unread_by_conversation(conversation_ids: list[int]) -> dict[int, int]:
    """Unread client messages per conversation, for the manager's dashboard."""
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        select(VipMessage.conversation_id, func.count(VipMessage.id))
        .where(
            VipMessage.conversation_id.in_(conversation_ids),
            VipMessage.from_staff.is_(False),
            VipMessage.read_at.is_(None),
        )
        .group_by(VipMessage.conversation_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]
