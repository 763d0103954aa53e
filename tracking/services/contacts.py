"""Who hears about a shipment: the owner's own choices and up to three contacts.

Contacts need no account: each alert carries a one-click unsubscribe link scoped to the
shipment, through the outbox's signed tokens.
"""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput, NotFound
from community.extensions import db
from community.outbox.services import is_opted_out, opt_in, opted_out_lists
from tracking import policy
from tracking.codes import ALERT_KINDS, join_kinds
from tracking.models import ALERTS_LIST, AlertContact, Shipment
from tracking.services.queries import shipment_contact_or_404

MAX_CONTACTS = 3


def _require_owner(shipment: Shipment, user: User) -> None:
    if not policy.can_manage(shipment, user):
        raise NotFound(_("Only the owner can change this shipment's alerts."))


def _too_many_contacts() -> InvalidInput:
    return InvalidInput(
        _(
            "A shipment can alert at most %(count)d people besides you. Remove one first.",
            count=MAX_CONTACTS,
        ),
        "email",
    )


def clean_email(email: str, field: str = "email") -> str:
    """A syntactically valid address, lower-cased; no DNS lookups (they are slow and flaky)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(_("Enter a valid email address."), field) from exc


def _clean_kinds(kinds: Iterable[str], field: str) -> str:
    chosen = set(kinds)
    if not chosen:
        raise InvalidInput(_("Choose at least one kind of alert."), field)
    if not chosen <= set(ALERT_KINDS):
        raise InvalidInput(_("Choose alerts from the list."), field)
    return join_kinds(chosen)


def check_new_contacts(
    *, owner_email: str, existing: list[str], new: list[str], field_prefix: str = ""
) -> None:
    """Refuse the owner's own address and any address given twice, naming the field."""
    seen = {email.lower() for email in existing}
    for index, email in enumerate(new):
        field = f"{field_prefix}[{index}].email" if field_prefix else "email"
        email = email.lower()
        if email == owner_email.lower():
            raise InvalidInput(
                _("That is the owner's own address: the owner chooses their alerts above."),
                field,
            )
        if email in seen:
            raise InvalidInput(_("This person is already a contact for this shipment."), field)
        seen.add(email)


def _lock(shipment: Shipment) -> None:
    """Hold the shipment row, so two tabs adding contacts at once cannot make four."""
    db.session.execute(
        select(Shipment.id).where(Shipment.id == shipment.id).with_for_update()
    ).first()


def _contact_count(shipment: Shipment) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AlertContact)
            .where(AlertContact.shipment_id == shipment.id)
        )
        or 0
    )


def add_contact(
    shipment: Shipment, *, name: str, email: str, kinds: Iterable[str], by: User
) -> AlertContact:
    """Add someone to alert; a fourth, a repeated address or the owner's own is refused."""
    _require_owner(shipment, by)
    email = clean_email(email)
    events = _clean_kinds(kinds, "events")
    name = name.strip()
    if not name:
        raise InvalidInput(_("This field cannot be empty."), "name")
    _lock(shipment)
    if _contact_count(shipment) >= MAX_CONTACTS:
        raise _too_many_contacts()
    existing = list(
        db.session.scalars(
            select(AlertContact.email).where(AlertContact.shipment_id == shipment.id)
        )
    )
    check_new_contacts(owner_email=shipment.owner.email, existing=existing, new=[email])
    contact = AlertContact(shipment_id=shipment.id, name=name[:80], email=email, events=events)
    db.session.add(contact)
    db.session.flush()
    # On SQLite the row lock above is a no-op; the count after our insert, under the write
    # lock we now hold, is what makes the limit hold between concurrent requests.
    if _contact_count(shipment) > MAX_CONTACTS:
        db.session.rollback()
        raise _too_many_contacts()
    db.session.commit()
    return contact


def _own_contact(shipment: Shipment, contact_id: int, by: User) -> AlertContact:
    _require_owner(shipment, by)
    return shipment_contact_or_404(shipment, contact_id)


def update_contact(shipment: Shipment, contact_id: int, *, kinds: Iterable[str], by: User) -> None:
    """Change which events a contact hears about."""
    contact = _own_contact(shipment, contact_id, by)
    contact.events = _clean_kinds(kinds, "events")
    db.session.commit()


def remove_contact(shipment: Shipment, contact_id: int, *, by: User) -> str:
    """Stop alerting a contact; returns their name for the confirmation message."""
    contact = _own_contact(shipment, contact_id, by)
    name = contact.name
    db.session.delete(contact)
    db.session.commit()
    return name


def set_owner_alerts(shipment: Shipment, kinds: Iterable[str], *, by: User) -> None:
    """The owner's own choices; choosing none is allowed (the page then says so)."""
    _require_owner(shipment, by)
    chosen = set(kinds)
    if not chosen <= set(ALERT_KINDS):
        raise InvalidInput(_("Choose alerts from the list."), "events")
    shipment.owner_alerts = join_kinds(chosen)
    shipment.updated_at = utcnow()
    db.session.commit()


def owner_alerts_stopped(shipment: Shipment) -> str | None:
    """'all' when the owner turned shipment alerts off in their preferences, 'shipment' when
    they unsubscribed from this one through an email's link, None when alerts flow."""
    stopped = opted_out_lists(shipment.owner.email)
    if ALERTS_LIST in stopped:
        return "all"
    if shipment.alert_list_key in stopped:
        return "shipment"
    return None


def resume_owner_alerts(shipment: Shipment, *, by: User) -> None:
    """Undo the owner's unsubscribe from this shipment's emails."""
    _require_owner(shipment, by)
    opt_in(shipment.owner.email, shipment.alert_list_key)
    db.session.commit()


def unsubscribed_contacts(shipment: Shipment) -> set[int]:
    """Contacts who used their unsubscribe link: the owner sees they no longer hear."""
    return {
        contact.id
        for contact in shipment.contacts
        if is_opted_out(contact.email, shipment.alert_list_key)
    }
