"""A pretend carrier: the next plausible event for a shipment, for demos and `simulate`.

It only proposes events; they are stored through `record_events`, the API's own road,
so a simulated event sends the same alerts and live updates as a real one.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from community.db import utcnow
from community.extensions import db
from tracking.codes import EventCode
from tracking.models import Shipment, TrackingEvent
from tracking.schemas import EventIn

HUBS = (
    "Hong Kong, HK",
    "Anchorage, US",
    "Louisville, US",
    "Leipzig, DE",
    "Memphis, US",
    "Singapore, SG",
    "Dubai, AE",
    "Shanghai, CN",
)
SURPRISE_CHANCE = 0.15


def _hub(shipment: Shipment, leg: int) -> str:
    return HUBS[(shipment.id * 3 + leg) % len(HUBS)]


def _count(shipment: Shipment, code: EventCode) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment.id, TrackingEvent.code == code)
        )
        or 0
    )


def next_event(shipment: Shipment, rng: random.Random) -> EventIn | None:
    """What the carrier would report next, or None once the shipment is final."""
    origin = shipment.origin or "Shenzhen, CN"
    destination = shipment.destination or "Seattle, US"
    status = EventCode(shipment.status)
    eta = None
    if status in (EventCode.DELIVERED, EventCode.RETURNED):
        return None
    if status == EventCode.LABEL_CREATED:
        code, place, text = EventCode.PICKED_UP, origin, "Picked up by the courier"
    elif status == EventCode.PICKED_UP:
        code, place, text = EventCode.IN_TRANSIT, _hub(shipment, 0), "Departed sort facility"
    elif status == EventCode.EXCEPTION:
        code, place, text = EventCode.IN_TRANSIT, _hub(shipment, 1), "Moving again after delay"
    elif status == EventCode.ATTEMPT_FAILED:
        code, place, text = EventCode.OUT_FOR_DELIVERY, destination, "Second delivery attempt"
    elif status == EventCode.IN_TRANSIT:
        legs = _count(shipment, EventCode.IN_TRANSIT)
        if (
            legs < 2
            and rng.random() < SURPRISE_CHANCE
            and not _count(shipment, EventCode.EXCEPTION)
        ):
            code, place, text = EventCode.EXCEPTION, _hub(shipment, legs), "Weather delay"
            eta = (shipment.estimated_delivery or utcnow().date()) + timedelta(days=1)
        elif legs < 2:
            code, place, text = EventCode.IN_TRANSIT, _hub(shipment, legs), "Arrived at hub"
        else:
            code, place, text = EventCode.OUT_FOR_DELIVERY, destination, "On the delivery van"
    elif rng.random() < SURPRISE_CHANCE and not _count(shipment, EventCode.ATTEMPT_FAILED):
        code, place, text = EventCode.ATTEMPT_FAILED, destination, "Nobody home; will retry"
    else:
        code, place, text = EventCode.DELIVERED, destination, "Delivered at the front door"
    return EventIn.model_validate(
        {
            "tracking_number": shipment.tracking_number,
            "event_id": f"sim-{uuid.uuid4().hex}",
            "code": code.value,
            "occurred_at": utcnow(),
            "location": place,
            "description": text,
            "estimated_delivery": eta,
        }
    )
