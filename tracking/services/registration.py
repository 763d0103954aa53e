"""Orders and shipments as the company's systems announce them through the API."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.accounts.models import User
from community.accounts.services import find_user_by_email
from community.db import utcnow
from community.errors import Conflict, InvalidInput
from community.extensions import db
from tracking.codes import join_kinds
from tracking.models import AlertContact, Order, Shipment
from tracking.schemas import OrderIn, ShipmentIn
from tracking.services.contacts import MAX_CONTACTS, check_new_contacts


def _owner(email: str) -> User:
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        raise InvalidInput(_("No customer account has this email address."), "owner_email")
    return user


def upsert_order(number: str, data: OrderIn) -> tuple[Order, bool]:
    """Create the order, or replace what we know of it; True when it was new."""
    owner = _owner(data.owner_email)
    order = db.session.scalar(select(Order).where(Order.number == number))
    created = order is None
    if order is None:
        order = Order(number=number)
        db.session.add(order)
    order.owner = owner
    order.status = data.status.value
    order.placed_at = data.placed_at
    order.items = [{"name": item.name, "quantity": item.quantity} for item in data.items]
    order.total_amount = data.total.amount
    order.currency = data.total.currency.upper()
    order.updated_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same new number PUT twice at once: the other won
        db.session.rollback()
        raise Conflict(_("This order changed at the same time; send it again."), "number") from exc
    return order, created


def _number_taken() -> Conflict:
    return Conflict(_("This tracking number is already registered."), "tracking_number")


def _shipment_order(order_number: str | None, owner: User) -> Order | None:
    """The order a new shipment belongs to: it must exist and be the same owner's."""
    if not order_number:
        return None
    order = db.session.scalar(select(Order).where(Order.number == order_number))
    if order is None:
        raise InvalidInput(_("There is no order with this number."), "order_number")
    if order.owner_id != owner.id:
        raise InvalidInput(
            _("This order belongs to another customer than owner_email."), "order_number"
        )
    return order


def _check_contacts(data: ShipmentIn, owner: User) -> None:
    if len(data.contacts) > MAX_CONTACTS:
        raise InvalidInput(
            _(
                "A shipment can alert at most %(count)d people besides its owner.",
                count=MAX_CONTACTS,
            ),
            "contacts",
        )
    check_new_contacts(
        owner_email=owner.email,
        existing=[],
        new=[str(contact.email) for contact in data.contacts],
        field_prefix="contacts",
    )


def _new_shipment(data: ShipmentIn, owner: User, order: Order | None) -> Shipment:
    shipment = Shipment(
        tracking_number=data.tracking_number,
        carrier=data.carrier,
        owner=owner,
        order=order,
        origin=data.origin or None,
        destination=data.destination or None,
        delivery_address=data.delivery_address or None,
        estimated_delivery=data.estimated_delivery,
    )
    shipment.contacts = [
        AlertContact(
            name=contact.name,
            email=str(contact.email).lower(),
            events=join_kinds([kind.value for kind in contact.events]),
        )
        for contact in data.contacts
    ]
    return shipment


def register_shipment(data: ShipmentIn) -> Shipment:
    """A new shipment with its owner's alerts on and up to three contacts."""
    owner = _owner(data.owner_email)
    if db.session.scalar(
        select(Shipment.id).where(Shipment.tracking_number == data.tracking_number)
    ):
        raise _number_taken()
    order = _shipment_order(data.order_number, owner)
    _check_contacts(data, owner)
    shipment = _new_shipment(data, owner, order)
    db.session.add(shipment)
    try:
        db.session.commit()
    except IntegrityError as exc:  # registered by a concurrent request a moment ago
        db.session.rollback()
        raise _number_taken() from exc
    return shipment
