"""The VIP club's data: each client's conversation (with its assignment), messages,
managers' cards and staff announcements.

A client has exactly one conversation. The assignment (manager and backup) lives on it, so a
new manager inherits the whole history by construction. The conversation also keeps the
state of the client's current wait, updated by the services in the transaction of each
message, so the dashboard sorts and the sweep finds overdue clients with one indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from kb.languages import ENGLISH, LANGUAGE_LENGTH, detected_from

MESSAGE_MAX_LENGTH = 4000


class VipConversation(db.Model):
    __tablename__ = "vip_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    backup_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime | None]
    # When the client's oldest unanswered message was sent; None once staff replied.
    waiting_since: Mapped[datetime | None]
    # waiting_since + the tier's promise: past it, the backup manager may step in.
    reply_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # Set when the backup was alerted (or answered); cleared when the manager replies.
    escalated_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    backup_manager: Mapped[User | None] = relationship(foreign_keys=[backup_manager_id])

    def __repr__(self) -> str:
        return f"<VipConversation {self.id} client={self.client_id} manager={self.manager_id}>"

    def is_overdue(self, now: datetime) -> bool:
        return self.reply_due_at is not None and self.reply_due_at <= now

    def backup_may_step_in(self, now: datetime) -> bool:
        """The backup reads and answers only once the promise has passed (or it took over)."""
        return self.escalated_at is not None or self.is_overdue(now)


class VipMessage(db.Model):
    __tablename__ = "vip_messages"
    __table_args__ = (
        Index("ix_vip_messages_history", "conversation_id", "id"),
        # Unread counts and the offline-email sweep only ever look at unread rows.
        Index(
            "ix_vip_messages_unread",
            "conversation_id",
            "from_staff",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        # The offline-email sweep: unread messages not yet emailed, oldest first.
        Index(
            "ix_vip_messages_unemailed",
            "created_at",
            sqlite_where=text("read_at IS NULL AND emailed_at IS NULL"),
            postgresql_where=text("read_at IS NULL AND emailed_at IS NULL"),
        ),
        Index("ix_vip_messages_author", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("vip_conversations.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_staff: Mapped[bool]
    # Written by the backup manager while the client waited past the promise.
    by_backup: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    # On a staff message that ended a client's wait: how long the wait was.
    reply_seconds: Mapped[int | None]

    conversation: Mapped[VipConversation] = relationship()
    author: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<VipMessage {self.id} conversation={self.conversation_id}>"


class ManagerProfile(db.Model):
    """What a client sees on their manager's card, beyond the name."""

    __tablename__ = "vip_manager_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(80), default="")
    working_hours: Mapped[str] = mapped_column(String(120), default="")
    photo_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class VipAnnouncement(db.Model):
    """News for VIP clients only, written by staff in Markdown (stored rendered)."""

    __tablename__ = "vip_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # "en" or "zh": the manager's choice, else told from the text (`kb.languages`).
    language: Mapped[str] = mapped_column(
        String(LANGUAGE_LENGTH),
        default=detected_from("title", "body"),
        server_default=ENGLISH,
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[User | None] = relationship()
