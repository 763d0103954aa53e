"""What people may see: public lookups, and an owner's own orders and shipments.

The public reads only what a tracking number already tells its holder (status, events,
estimate); everything about the owner, the address and the contacts needs the owner
(`tracking.policy.can_manage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.errors import NotFound
from community.extensions import db
from tracking import policy
from tracking.codes import FINAL
from tracking.models import AlertContact, Order, Shipment, TrackingEvent
from tracking.numbers import is_valid_number, normalise_number

PAGE_SIZE = 20


@dataclass(frozen=True)
class LookupRow:
    """One row of the public lookup: a number and, when it exists, its public state."""

    number: str
    found: bool
    valid: bool = True
    status: str | None = None
    last_event_code: str | None = None
    last_event_at: datetime | None = None
    last_location: str | None = None
    last_description: str | None = None
    estimated_delivery: date | None = None
    version: int = 0


_PUBLIC_COLUMNS = (
    Shipment.tracking_number,
    Shipment.status,
    Shipment.last_event_code,
    Shipment.last_event_at,
    Shipment.last_location,
    Shipment.last_description,
    Shipment.estimated_delivery,
    Shipment.version,
)


def lookup(numbers: list[str]) -> list[LookupRow]:
    """The public state of each number, in the order asked; one query for all of them."""
    valid = [number for number in numbers if is_valid_number(number)]
    found = {}
    if valid:
        for row in db.session.execute(
            select(*_PUBLIC_COLUMNS).where(Shipment.tracking_number.in_(valid))
        ):
            found[row.tracking_number] = row
    rows = []
    for number in numbers:
        row = found.get(number)
        if row is None:
            rows.append(LookupRow(number=number, found=False, valid=number in valid))
            continue
        rows.append(
            LookupRow(
                number=number,
                found=True,
                status=row.status,
                last_event_code=row.last_event_code,
                last_event_at=row.last_event_at,
                last_location=row.last_location,
                last_description=row.last_description,
                estimated_delivery=row.estimated_delivery,
                version=row.version,
            )
        )
    return rows


_VERSION = select(Shipment.version).where(Shipment.tracking_number == bindparam("number"))


def public_version(number: str) -> int | None:
    """The shipment's version (None when unknown): one indexed read that keys the page cache.

    It runs on a pooled connection of its own rather than the ORM session: on the busiest
    page, a cache hit, that is a third of the cost of the request.
    """
    number = normalise_number(number)
    if not is_valid_number(number):
        return None
    with db.engine.connect() as connection:
        return connection.execute(_VERSION, {"number": number}).scalar()


def find_shipment(number: str) -> Shipment | None:
    number = normalise_number(number)
    if not is_valid_number(number):
        return None
    return db.session.scalar(select(Shipment).where(Shipment.tracking_number == number))


def find_order(number: str) -> Order | None:
    """An order by its number, for the company's systems (the API); None when unknown."""
    number = normalise_number(number)
    if not is_valid_number(number):
        return None
    return db.session.scalar(
        select(Order).where(Order.number == number).options(selectinload(Order.shipments))
    )


def public_shipment_or_404(number: str) -> Shipment:
    shipment = find_shipment(number)
    if shipment is None:
        raise NotFound()
    return shipment


def timeline(shipment: Shipment) -> list[TrackingEvent]:
    """Every event of the shipment, newest first (by when it happened, not when it came)."""
    return list(
        db.session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment.id)
            .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
        )
    )


def own_shipment_or_404(user: User, number: str) -> Shipment:
    """The user's shipment; someone else's answers exactly like one that does not exist."""
    shipment = find_shipment(number)
    if shipment is None or not policy.can_manage(shipment, user):
        raise NotFound()
    return shipment


def shipment_contact_or_404(shipment: Shipment, contact_id: int) -> AlertContact:
    """One of the shipment's contacts; another shipment's contact answers as a missing one."""
    contact = db.session.get(AlertContact, contact_id)
    if contact is None or not policy.is_contact_of(contact, shipment):
        raise NotFound(_("This contact does not exist."))
    return contact


def _own_page(model: Any, user: User, page: int, related: Any, newest: Any) -> Pagination:
    statement = (
        select(model)
        .where(model.owner_id == user.id)
        .options(selectinload(related))
        .order_by(newest.desc(), model.id.desc())
    )
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


def own_shipments(user: User, page: int = 1) -> Pagination:
    """The user's shipments, newest first, a page at a time."""
    return _own_page(Shipment, user, page, Shipment.order, Shipment.created_at)


def own_orders(user: User, page: int = 1) -> Pagination:
    """The user's orders, most recently placed first, a page at a time."""
    return _own_page(Order, user, page, Order.shipments, Order.placed_at)


def shipments_on_the_way(user: User, limit: int = 3) -> list[Shipment]:
    """The user's newest shipments that have not arrived, for the home page."""
    return list(
        db.session.scalars(
            select(Shipment)
            .where(Shipment.owner_id == user.id, Shipment.status.not_in(list(FINAL)))
            .order_by(Shipment.created_at.desc(), Shipment.id.desc())
            .limit(limit)
        )
    )
