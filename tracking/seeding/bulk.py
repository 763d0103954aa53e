"""Bulk data for benchmarks: `seed-bulk --shipments N --events-per-shipment M`.

Shipments and their events go in with executemany, 2,000 shipments (and their events) per
transaction, behind a progress bar; each shipment's current state is worked out with the
same rules as live events, so the bulk data looks like real history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy import func, insert, select, text

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from tracking.codes import EventCode
from tracking.models import ALL_ALERTS, AlertContact, Shipment, TrackingEvent
from tracking.rules import EventFacts, ShipmentState, apply_event
from tracking.seeding.demo import CARRIER, DESCRIPTIONS

E = EventCode

# One bulk shipment's state after its events, and its event rows.
_History = tuple[ShipmentState, list[dict[str, Any]]]

BULK_PREFIX = "BK"
BULK_HUBS = ("Hong Kong, HK", "Anchorage, US", "Louisville, US", "Leipzig, DE", "Memphis, US")
CHUNK = 2000


def bulk_codes(index: int, count: int) -> list[EventCode]:
    """Plausible event codes for the `index`-th bulk shipment: three in five get delivered."""
    if count <= 3:
        return [E.LABEL_CREATED, E.PICKED_UP, E.IN_TRANSIT][:count]
    if index % 5 < 3:
        return [
            E.LABEL_CREATED,
            E.PICKED_UP,
            *[E.IN_TRANSIT] * (count - 4),
            *[
                E.OUT_FOR_DELIVERY,
                E.DELIVERED,
            ],
        ]
    codes = [E.LABEL_CREATED, E.PICKED_UP, *[E.IN_TRANSIT] * (count - 2)]
    if index % 10 == 9:
        codes[-1] = E.EXCEPTION
    return codes


def _history(index: int, number: str, events_per: int, created: datetime) -> _History:
    """The events of one bulk shipment, and the state the status rules give it."""
    state = ShipmentState(EventCode.LABEL_CREATED, None, None, None, None, None)
    rows = []
    for position, code in enumerate(bulk_codes(index, events_per)):
        facts = EventFacts(
            code=code.value,
            occurred_at=created + timedelta(hours=6 * position + 1),
            location=BULK_HUBS[(index + position) % len(BULK_HUBS)],
            description=DESCRIPTIONS[code],
        )
        apply_event(state, facts)
        rows.append(
            {
                "sender_event_id": f"bk-{number}-{position}",
                "code": facts.code,
                "occurred_at": facts.occurred_at,
                "location": facts.location,
                "description": facts.description,
                "estimated_delivery": None,
                "received_at": facts.occurred_at,
            }
        )
    return state, rows


def _shipment_row(
    number: str, owner_id: int, history: _History, created: datetime, now: datetime
) -> dict[str, Any]:
    state, events = history
    return {
        "tracking_number": number,
        "carrier": CARRIER,
        "owner_id": owner_id,
        "origin": "Shenzhen, CN",
        "destination": "Seattle, US",
        "status": state.status,
        "status_at": state.status_at,
        "estimated_delivery": (created + timedelta(days=6)).date(),
        "delivered_at": state.delivered_at,
        "last_event_at": state.last_event_at,
        "last_event_code": state.last_event_code,
        "last_location": state.last_location,
        "last_description": state.last_description,
        "owner_alerts": ALL_ALERTS,
        "version": 1 + len(events),
        "created_at": created,
        "updated_at": now,
    }


def _bulk_chunk(start: int, size: int, events_per: int, owners: list[int], now: datetime) -> None:
    """Shipments `start` to `start + size`, a third with a contact, and their events."""
    shipments = []
    events_by_number: dict[str, list[dict[str, Any]]] = {}
    for index in range(start, start + size):
        number = f"{BULK_PREFIX}{index:010d}"
        created = now - timedelta(days=30) + timedelta(minutes=index % 40_000)
        history = _history(index, number, events_per, created)
        events_by_number[number] = history[1]
        shipments.append(_shipment_row(number, owners[index % len(owners)], history, created, now))
    table = Shipment.__table__
    ids = dict(
        db.session.execute(
            insert(table).returning(table.c.tracking_number, table.c.id), shipments
        ).all()
    )
    contacts = [
        {
            "shipment_id": ids[number],
            "name": "Bulk Contact",
            "email": f"contact{index}@example.org",
            "events": ALL_ALERTS,
            "created_at": now,
        }
        for index, number in enumerate(events_by_number, start)
        if index % 3 == 0
    ]
    if contacts:
        db.session.execute(insert(AlertContact.__table__), contacts)
    events = [
        {**row, "shipment_id": ids[number]}
        for number, rows in events_by_number.items()
        for row in rows
    ]
    if events:
        db.session.execute(insert(TrackingEvent.__table__), events)
    db.session.commit()


def seed_bulk(*, shipments: int = 0, events_per_shipment: int = 0, **_sizes: int) -> None:
    """Insert `shipments` shipments with `events_per_shipment` events each, in batches."""
    if not shipments:
        return
    owners = list(db.session.scalars(select(User.id).order_by(User.id)))
    if not owners:
        click.echo("tracking: no users to own shipments; run seed-demo first")
        return
    start = (
        db.session.scalar(
            select(func.count())
            .select_from(Shipment)
            .where(Shipment.tracking_number.like(f"{BULK_PREFIX}%"))
        )
        or 0
    )
    now = utcnow()
    with click.progressbar(length=shipments, label="shipments and their events") as bar:
        for offset in range(0, shipments, CHUNK):
            size = min(CHUNK, shipments - offset)
            _bulk_chunk(start + offset, size, events_per_shipment, owners, now)
            bar.update(size)
    # Fresh planner statistics: the lookup queries then use their indexes at once.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    click.echo(f"tracking: {shipments} shipments with {shipments * events_per_shipment} events")
