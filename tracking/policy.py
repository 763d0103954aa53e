"""Who may see and change what in tracking: pure rules, decided from their arguments alone.

A tracking number is public: whoever holds it sees its status and events. Everything about
the owner, the address and the contacts needs the owner, signed in with a confirmed address.
Services enforce these rules; a view calls the same function only to choose which page to show.
"""

from __future__ import annotations

from typing import Any

from tracking.models import AlertContact, Shipment


def is_signed_in(user: Any) -> bool:
    """Outside a request (an email rendered by a command) there is no user at all."""
    return bool(user is not None and user.is_authenticated)


def sees_own_shipments(user: Any) -> bool:
    """A signed-in account whose email is confirmed sees its orders and shipments.

    Unconfirmed, an account may belong to someone who registered a customer's address
    before the customer did; it must not see that customer's addresses and contacts.
    """
    return is_signed_in(user) and bool(user.is_confirmed)


def can_manage(shipment: Shipment, user: Any) -> bool:
    """Only the owner sees a shipment's details and contacts, once their email is confirmed."""
    return sees_own_shipments(user) and shipment.owner_id == user.id


def is_contact_of(contact: AlertContact, shipment: Shipment) -> bool:
    """A contact is changed only through its own shipment (never by its id alone)."""
    return contact.shipment_id == shipment.id
