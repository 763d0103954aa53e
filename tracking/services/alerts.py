"""Alert emails for tracking events, queued in the event's own transaction.

One email per event and recipient: the dedupe key names both, so a retried batch or a
person who is both owner and contact never gets two. Contacts share the owner's language
and time zone, which is the best guess we have for someone without an account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from community.outbox.services import Email, enqueue_emails
from community.urls import external_url
from tracking.codes import STATUS_LABELS, AlertKind, EventCode
from tracking.models import alert_list_key
from tracking.rules import EventFacts

TEMPLATE = "tracking_alert"

# When one event is two kinds of news (a problem that also moves the date), the first wins.
SUBJECT_ORDER = (
    AlertKind.DELIVERED,
    AlertKind.EXCEPTION,
    AlertKind.OUT_FOR_DELIVERY,
    AlertKind.SHIPPED,
    AlertKind.ETA_CHANGED,
)


@dataclass(frozen=True)
class Owner:
    email: str
    display_name: str
    locale: str
    timezone: str


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    kinds: frozenset[str]


@dataclass(frozen=True)
class Alert:
    """One event worth telling people about, with everything its emails show."""

    event_pk: int
    shipment_id: int
    number: str
    carrier: str
    facts: EventFacts
    moved: bool
    kinds: frozenset[str]
    estimated_delivery: date | None
    owner: Owner
    owner_kinds: frozenset[str]
    contacts: tuple[Contact, ...]


def _subject(kind: str, number: str) -> object:
    """A lazy subject, rendered later in the recipient's language."""
    if kind == AlertKind.DELIVERED:
        return _l("Delivered: shipment %(number)s", number=number)
    if kind == AlertKind.OUT_FOR_DELIVERY:
        return _l("Out for delivery: shipment %(number)s", number=number)
    if kind == AlertKind.SHIPPED:
        return _l("On its way: shipment %(number)s", number=number)
    if kind == AlertKind.EXCEPTION:
        return _l("Needs attention: shipment %(number)s", number=number)
    return _l("New delivery estimate: shipment %(number)s", number=number)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(moment: datetime, owner: Owner) -> str:
    zone = _zone(owner.timezone)
    text = format_datetime(moment, "medium", tzinfo=zone, locale=owner.locale)
    return f"{text} ({owner.timezone.replace('_', ' ')})"


def _recipients(alert: Alert) -> list[tuple[str, str, bool]]:
    """(email, name, is_owner) of everyone who chose one of the alert's kinds."""
    recipients: list[tuple[str, str, bool]] = []
    if alert.kinds & alert.owner_kinds:
        recipients.append((alert.owner.email, alert.owner.display_name, True))
    recipients.extend(
        (contact.email, contact.name, False)
        for contact in alert.contacts
        if alert.kinds & contact.kinds
    )
    return recipients


def _delivered_on(alert: Alert) -> str | None:
    """The day a delivered shipment arrived, in the owner's zone; None for other news."""
    if AlertKind.DELIVERED not in alert.kinds:
        return None
    moment = alert.facts.occurred_at
    if moment.tzinfo is None:  # stored times are UTC
        moment = moment.replace(tzinfo=UTC)
    day = moment.astimezone(_zone(alert.owner.timezone)).date()
    return format_date(day, "full", locale=alert.owner.locale)


def _context(alert: Alert, primary: str) -> dict[str, Any]:
    """What every email of one alert shows, whoever receives it.

    A delivered shipment shows the day it arrived instead of the estimate it no longer needs;
    a returned one shows no estimate either.
    """
    delivered_on = _delivered_on(alert)
    estimate_meant = delivered_on is None and alert.facts.code != EventCode.RETURNED
    return {
        "number": alert.number,
        "carrier": alert.carrier,
        # Lazy: rendered in the recipient's language inside enqueue_email.
        "headline": STATUS_LABELS[alert.facts.code] if alert.moved else None,  # type: ignore[index]
        "code": alert.facts.code,
        "problem": primary == AlertKind.EXCEPTION,
        "description": alert.facts.description,
        "location": alert.facts.location,
        "when": _when(alert.facts.occurred_at, alert.owner),
        "delivered_on": delivered_on,
        "eta": (
            format_date(alert.estimated_delivery, "full", locale=alert.owner.locale)
            if alert.estimated_delivery and estimate_meant
            else None
        ),
        "eta_changed": AlertKind.ETA_CHANGED in alert.kinds and estimate_meant,
        "owner_name": alert.owner.display_name,
        "track_url": external_url("tracking.shipment_page", number=alert.number),
        "manage_url": external_url("tracking.shipment", number=alert.number),
    }


def _emails(alert: Alert) -> list[Email]:
    """One email per recipient of the alert (none when nobody chose its kinds)."""
    recipients = _recipients(alert)
    if not recipients:
        return []
    primary = next(kind for kind in SUBJECT_ORDER if kind in alert.kinds)
    common = _context(alert, primary)
    subject = _subject(primary, alert.number)
    list_key = alert_list_key(alert.shipment_id)
    return [
        Email(
            to=email,
            subject=subject,
            template=TEMPLATE,
            context={**common, "recipient_name": name, "is_owner": is_owner},
            dedupe_key=f"tracking.alert:{alert.event_pk}:{email}",
            category=TEMPLATE,
            list_key=list_key,
            locale=alert.owner.locale,
        )
        for email, name, is_owner in recipients
    ]


def queue_alerts(alerts: list[Alert]) -> int:
    """Queue each alert for the owner and every contact who chose its kind; returns count."""
    return enqueue_emails([email for alert in alerts for email in _emails(alert)])
