"""Support data: departments with their hours and promises, topics, agents, requests and
their messages, mail received, canned replies, and what happened to each request.

What the inbox sorts and filters by is stored on the request and kept right by the services
in each change's transaction: the status, the assignee, `next_due_at` (the first reply's due
time until there is one, then the resolution's; empty while the clock is stopped), and the
warned/breached marks. The inbox therefore reads one indexed range, whatever the volume.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db

MAX_SUBJECT = 200
MAX_BODY = 50_000
MAX_NAME = 120


class Status(enum.StrEnum):
    NEW = "new"  # nobody on our side has answered yet
    OPEN = "open"  # being worked on
    WAITING = "waiting"  # on the customer: the clock is stopped
    SOLVED = "solved"  # reopens when the customer writes within SUPPORT_REOPEN_DAYS
    CLOSED = "closed"  # final; a new message starts a new request


OPEN_STATUSES = (Status.NEW, Status.OPEN)
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    API = "api"


class MessageKind(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    NOTE = "note"  # internal: never shown or emailed to the customer


class Rating(enum.StrEnum):
    GOOD = "good"
    BAD = "bad"


class Department(db.Model):
    """Where requests go: its people, its hours and holidays, its promises, its address."""

    __tablename__ = "support_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    name_zh: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    # Mail to this address (local part before "@") opens a request here.
    email_local: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # {"0": [[540, 1080]], ...}: weekday (Monday 0) to opening spans in minutes of the day.
    hours: Mapped[dict[str, list[list[int]]]] = mapped_column(JSON, default=dict)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])

    def label(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") and self.name_zh else self.name


class ServiceLevel(db.Model):
    """A department's promise for one priority, in business minutes."""

    __tablename__ = "support_service_levels"
    __table_args__ = (UniqueConstraint("department_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("support_departments.id", ondelete="CASCADE")
    )
    priority: Mapped[str] = mapped_column(String(16))
    first_reply_minutes: Mapped[int]
    resolution_minutes: Mapped[int]


class Holiday(db.Model):
    """A day a department is closed (a department of None: every department)."""

    __tablename__ = "support_holidays"
    __table_args__ = (UniqueConstraint("department_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_departments.id", ondelete="CASCADE")
    )
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(MAX_NAME), default="")


class SupportTopic(db.Model):
    """What a customer picks on the form; it decides the department."""

    __tablename__ = "support_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("support_departments.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    name_zh: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    position: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department] = relationship()

    def label(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") and self.name_zh else self.name


class AgentMembership(db.Model):
    """An agent works the requests of this department."""

    __tablename__ = "support_agents"
    __table_args__ = (UniqueConstraint("user_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("support_departments.id", ondelete="CASCADE"), index=True
    )


class SupportRequest(db.Model):
    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_inbox", "status", "next_due_at", "id"),
        # Holds every column the inbox's counts and badge test, so they read the index alone.
        Index(
            "ix_support_requests_department_inbox",
            "department_id",
            "status",
            "assignee_id",
            "next_due_at",
        ),
        Index("ix_support_requests_assignee_inbox", "assignee_id", "status", "next_due_at"),
        Index("ix_support_requests_requester_email", "requester_email", "created_at"),
        Index("ix_support_requests_requester", "requester_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public number, shown to the customer and carried in email subjects as [#123456].
    number: Mapped[str] = mapped_column(String(20), unique=True)
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT))
    status: Mapped[str] = mapped_column(String(16), default=Status.NEW)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL)
    channel: Mapped[str] = mapped_column(String(16), default=Channel.WEB)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # A visitor's browser zone when they wrote on the web: their emails' times are in it.
    timezone: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("support_departments.id"))
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_topics.id", ondelete="SET NULL")
    )
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requester_email: Mapped[str] = mapped_column(String(254))
    requester_name: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where the request started: the customer's forum topic, their shipment.
    forum_topic_id: Mapped[int | None]
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    context: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # A VIP's request: the tier whose promise applies (their manager is the assignee).
    vip_tier: Mapped[str | None] = mapped_column(String(20))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_replied_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_customer_at: Mapped[datetime | None]

    # Service levels, kept by `support.services.sla` in each change's transaction.
    first_reply_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    clock_stopped_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    # Business minutes the clock stood still while waiting on the customer.
    paused_minutes: Mapped[int] = mapped_column(default=0)
    first_reply_business_minutes: Mapped[int | None]
    resolution_business_minutes: Mapped[int | None]

    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_requests.id", ondelete="SET NULL")
    )
    rating: Mapped[str | None] = mapped_column(String(8))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    department: Mapped[Department] = relationship()
    topic: Mapped[SupportTopic | None] = relationship()
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    @property
    def is_open(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def tag(self) -> str:
        """What our email subjects carry, so a reply without headers still finds its way."""
        return f"[#{self.number}]"


class SupportMessage(db.Model):
    __tablename__ = "support_messages"
    __table_args__ = (Index("ix_support_messages_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_email: Mapped[str] = mapped_column(String(254), default="")
    author_name: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    channel: Mapped[str] = mapped_column(String(16), default=Channel.WEB)
    # The text as shown (quoted history and signatures trimmed) and its sanitised HTML.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # The whole text as received, when trimming removed something.
    original_text: Mapped[str | None] = mapped_column(Text)
    # The Message-ID of the email this message came in as, or went out as.
    email_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[SupportAttachment]] = relationship(
        back_populates="message", order_by="SupportAttachment.id"
    )

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE


class SupportAttachment(db.Model):
    __tablename__ = "support_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("support_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Relative to the instance folder's support_attachments/.
    stored_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[SupportMessage] = relationship(back_populates="attachments")


class ThreadId(db.Model):
    """A Message-ID that belongs to a request: every email we sent about it and every one it
    received. A reply's `In-Reply-To`/`References` find their request here."""

    __tablename__ = "support_thread_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )


class RequestEvent(db.Model):
    """What happened to a request besides messages: assigned, status, merged, breached."""

    __tablename__ = "support_request_events"
    __table_args__ = (Index("ix_support_request_events_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class InboundMail(db.Model):
    """Every message received by mail, once per Message-ID, and what became of it."""

    __tablename__ = "support_inbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    from_address: Mapped[str] = mapped_column(String(254), default="")
    to_addresses: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT), default="")
    size: Mapped[int] = mapped_column(default=0)
    # request, reply, auto_reply, bounce, refused
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255), default="")
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_requests.id", ondelete="SET NULL"), index=True
    )
    # For a bounce: the address our mail could not reach.
    bounced_address: Mapped[str | None] = mapped_column(String(254), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)


class CannedReply(db.Model):
    """A reply an agent inserts and edits: `{customer_name}`, `{request_number}`, …"""

    __tablename__ = "support_canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_departments.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(MAX_NAME))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Deflection(db.Model):
    """A customer on the form opened a suggested answer; `submitted` if they wrote anyway."""

    __tablename__ = "support_deflections"
    __table_args__ = (UniqueConstraint("form_key", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The form's nonce: one visit to /support/new.
    form_key: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(500))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_departments.id", ondelete="SET NULL")
    )
    submitted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
