"""Orders, shipments, their tracking events and alert contacts.

A shipment keeps a copy of what its timeline says now (status, last event, estimated
delivery) so that looking up thirty numbers is one indexed query, not thirty timelines.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from tracking.codes import ALERT_KINDS, EventCode, OrderStatus, join_kinds, split_kinds

ALL_ALERTS = join_kinds(ALERT_KINDS)
# The email list every shipment alert belongs to; each shipment scopes its own part of it.
ALERTS_LIST = "tracking.alerts"
# The sender of events made inside the portal: the simulator, demo and bulk data.
LOCAL_SENDER = "local"


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PLACED)
    placed_at: Mapped[datetime]
    # [{"name": "Desk lamp", "quantity": 2}, ...]: replaced as a whole by the company's system.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", order_by="Shipment.id", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class Shipment(db.Model):
    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_owner_recent", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(40), unique=True)
    carrier: Mapped[str] = mapped_column(String(60))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # City level only: the public page shows neither these nor the address.
    origin: Mapped[str | None] = mapped_column(String(120))
    destination: Mapped[str | None] = mapped_column(String(120))
    delivery_address: Mapped[str | None] = mapped_column(String(300))

    status: Mapped[str] = mapped_column(String(20), default=EventCode.LABEL_CREATED)
    # When the event that set the status happened: older events never move the status.
    status_at: Mapped[datetime | None]
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    # When the event that last set the estimate happened, so an older one cannot undo it.
    eta_set_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]
    last_event_code: Mapped[str | None] = mapped_column(String(20))
    last_location: Mapped[str | None] = mapped_column(String(120))
    last_description: Mapped[str | None] = mapped_column(String(500))
    # The owner's own alert choices, comma-separated (see tracking.codes.split_kinds).
    owner_alerts: Mapped[str] = mapped_column(String(100), default=ALL_ALERTS)
    # Bumped on every change to what the public sees: keys the page cache and live updates.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    order: Mapped[Order | None] = relationship(back_populates="shipments")
    contacts: Mapped[list[AlertContact]] = relationship(
        back_populates="shipment",
        order_by="AlertContact.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def owner_alert_kinds(self) -> frozenset[str]:
        return split_kinds(self.owner_alerts)

    @property
    def alert_list_key(self) -> str:
        """Unsubscribing from one shipment's alerts leaves every other shipment's alone."""
        return alert_list_key(self.id)

    def __repr__(self) -> str:
        return f"<Shipment {self.tracking_number} {self.status}>"


def alert_list_key(shipment_id: int) -> str:
    return f"{ALERTS_LIST}:shipment:{shipment_id}"


class TrackingEvent(db.Model):
    """One event of a shipment's timeline, as its sender reported it.

    Carriers number events their own way, often per shipment (`seq-1`, `seq-2`…), so an
    event id is only unique for one sender and one shipment: the same id from another
    token, or for another shipment, is another event.
    """

    __tablename__ = "tracking_events"
    __table_args__ = (
        Index("ix_tracking_events_timeline", "shipment_id", "occurred_at"),
        UniqueConstraint("sender", "shipment_id", "sender_event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    # Who sent it (see event_sender): kept when the token is gone, so replays stay duplicates.
    sender: Mapped[str] = mapped_column(
        String(40), default=LOCAL_SENDER, server_default=LOCAL_SENDER
    )
    # The sender's own id: the same event sent twice by one sender is stored once.
    sender_event_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500))
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<TrackingEvent {self.sender}/{self.sender_event_id} {self.code}>"


def event_sender(api_token_id: int | None) -> str:
    """The sender key of events posted with this API token, or made inside the portal.

    Not NULL for the portal's own events (simulator, demo and bulk data): NULLs never
    conflict, so the portal's replays would be stored twice.
    """
    return LOCAL_SENDER if api_token_id is None else f"token:{api_token_id}"


class AlertContact(db.Model):
    """Someone the owner wants told about a shipment; they need no account."""

    __tablename__ = "alert_contacts"
    __table_args__ = (UniqueConstraint("shipment_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    # Stored lower-cased, so "Ana@x.com" and "ana@x.com" are one contact.
    email: Mapped[str] = mapped_column(String(254))
    events: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="contacts")

    @property
    def kinds(self) -> frozenset[str]:
        return split_kinds(self.events)


class TrackingChange(db.Model):
    """A short-lived log of changed shipments, read by web processes' live relays.

    Without a message queue, an event stored by another process (the simulator, an API
    worker) reaches browsers through this table: each web process polls it and pushes.
    """

    __tablename__ = "tracking_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    # Which process wrote it: a relay skips its own, which it already pushed.
    origin: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
