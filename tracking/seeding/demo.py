"""Demo data for tracking (`seed-demo`).

The demo customer gets orders and shipments at every stage, with contacts, and the VIP
client a couple; the events go through `record_events` (without alerts), so the demo obeys
the same rules as real data. Running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from community.accounts.models import User
from community.accounts.services import find_user_by_email
from community.db import utcnow
from community.extensions import db
from tracking.codes import ALERT_KINDS, EventCode, OrderStatus, join_kinds
from tracking.models import AlertContact, Order, Shipment
from tracking.schemas import EventIn
from tracking.services import record_events

CUSTOMER = "customer@example.com"
VIP = "vip@example.com"
DEMO_OWNERS = (CUSTOMER, VIP)
CARRIER = "Portico Express"

E = EventCode


@dataclass(frozen=True)
class DemoShipment:
    number: str
    owner: str
    order: str | None
    stage: EventCode
    days_ago: float
    origin: str
    destination: str
    address: str
    hubs: tuple[str, str] = ("Hong Kong, HK", "Anchorage, US")
    contacts: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    carrier: str = CARRIER


@dataclass(frozen=True)
class DemoOrder:
    number: str
    owner: str
    status: OrderStatus
    days_ago: float
    items: tuple[tuple[str, int], ...]
    total: str
    currency: str = "USD"
    shipments: tuple[DemoShipment, ...] = field(default_factory=tuple)


SEATTLE = "1200 Pine Street, Apt 4, Seattle, WA 98101"
SAM = ("Sam Rivera", "sam.rivera@example.com", ("out_for_delivery", "delivered"))
JORDAN = ("Jordan Lee", "jordan.lee@example.net", ALERT_KINDS)
DESK = ("Front desk", "frontdesk@example.org", ("delivered",))


def _shipment(number: str, stage: EventCode, days_ago: float, **extra: Any) -> DemoShipment:
    values: dict[str, Any] = {
        "owner": CUSTOMER,
        "order": None,
        "origin": "Shenzhen, CN",
        "destination": "Seattle, US",
        "address": SEATTLE,
    }
    values.update(extra)
    return DemoShipment(number=number, stage=stage, days_ago=days_ago, **values)


DEMO_ORDERS = (
    DemoOrder(
        "PO-10231",
        CUSTOMER,
        OrderStatus.PROCESSING,
        12,
        (("Desk lamp", 1), ("LED bulb, warm white", 4)),
        "89.90",
        shipments=(_shipment("PT1000000001", E.DELIVERED, 11, contacts=(SAM,)),),
    ),
    DemoOrder(
        "PO-10248",
        CUSTOMER,
        OrderStatus.PROCESSING,
        5,
        (("Standing desk", 1), ("Cable tray", 2)),
        "649.00",
        shipments=(
            _shipment("PT1000000002", E.OUT_FOR_DELIVERY, 4, contacts=(SAM, DESK)),
            _shipment("PT1000000003", E.IN_TRANSIT, 3, contacts=(JORDAN,)),
        ),
    ),
    DemoOrder(
        "PO-10263",
        CUSTOMER,
        OrderStatus.PROCESSING,
        4,
        (("Office chair", 1), ("Chair mat", 1)),
        "412.50",
        shipments=(
            _shipment("PT1000000004", E.EXCEPTION, 3.5, contacts=(JORDAN,)),
            _shipment("PT1000000005", E.ATTEMPT_FAILED, 3),
        ),
    ),
    DemoOrder(
        "PO-10270",
        CUSTOMER,
        OrderStatus.PROCESSING,
        1,
        (("Monitor arm", 2),),
        "159.80",
        shipments=(
            _shipment("PT1000000006", E.LABEL_CREATED, 0.5),
            _shipment("PT1000000007", E.PICKED_UP, 0.8, contacts=(SAM,)),
        ),
    ),
    DemoOrder(
        "PO-10199",
        CUSTOMER,
        OrderStatus.PROCESSING,
        30,
        (("Ergonomic keyboard", 1),),
        "129.00",
        shipments=(_shipment("PT1000000008", E.RETURNED, 28),),
    ),
    DemoOrder("PO-10280", CUSTOMER, OrderStatus.PLACED, 0.1, (("Webcam", 1),), "74.99"),
    DemoOrder("PO-10150", CUSTOMER, OrderStatus.CANCELLED, 40, (("Desk fan", 1),), "39.00"),
    DemoOrder(
        "PO-20011",
        VIP,
        OrderStatus.PROCESSING,
        6,
        (("茶具套装 (tea set)", 1), ("Silk scarf", 2)),
        "1280.00",
        "CNY",
        shipments=(
            _shipment(
                "PT2000000001",
                E.IN_TRANSIT,
                2,
                owner=VIP,
                origin="Milan, IT",
                destination="上海 Shanghai, CN",
                address="上海市静安区南京西路 1266 号",
                hubs=("Leipzig, DE", "Dubai, AE"),
            ),
            _shipment(
                "PT2000000002",
                E.DELIVERED,
                6,
                owner=VIP,
                origin="Milan, IT",
                destination="上海 Shanghai, CN",
                address="上海市静安区南京西路 1266 号",
                hubs=("Leipzig, DE", "Dubai, AE"),
                contacts=(("王芳 Wang Fang", "wang.fang@example.cn", ("delivered",)),),
            ),
        ),
    ),
)

DESCRIPTIONS = {
    E.LABEL_CREATED: "Shipping label created; waiting for the courier",
    E.PICKED_UP: "Picked up by the courier",
    E.IN_TRANSIT: "Departed sort facility",
    E.OUT_FOR_DELIVERY: "On the delivery van",
    E.DELIVERED: "Delivered at the front door",
    E.EXCEPTION: "Address needs correction: contact us",
    E.ATTEMPT_FAILED: "Nobody home; we will try again tomorrow",
    E.RETURNED: "Returned to sender: refused by recipient",
}


def demo_route(stage: EventCode, shipment: DemoShipment) -> list[tuple[EventCode, str]]:
    """The events (code, place) a shipment went through to reach `stage`."""
    first, second = shipment.hubs
    route = [
        (E.LABEL_CREATED, shipment.origin),
        (E.PICKED_UP, shipment.origin),
        (E.IN_TRANSIT, first),
        (E.IN_TRANSIT, second),
        (E.OUT_FOR_DELIVERY, shipment.destination),
        (E.DELIVERED, shipment.destination),
    ]
    if stage == E.EXCEPTION:
        return [*route[:3], (E.EXCEPTION, second)]
    if stage == E.ATTEMPT_FAILED:
        return [*route[:5], (E.ATTEMPT_FAILED, shipment.destination)]
    if stage == E.RETURNED:
        return [*route[:3], (E.EXCEPTION, second), (E.RETURNED, shipment.origin)]
    codes = [code for code, _place in route]
    return route[: codes.index(stage) + 1]


def _events_for(shipment: DemoShipment, now: datetime) -> list[EventIn]:
    route = demo_route(shipment.stage, shipment)
    start = now - timedelta(days=shipment.days_ago)
    step = min(timedelta(hours=10), (now - start) / (len(route) + 1))
    events = []
    for index, (code, place) in enumerate(route):
        eta = None
        if code == E.EXCEPTION:
            eta = (start + timedelta(days=7)).date()
        events.append(
            EventIn.model_validate(
                {
                    "tracking_number": shipment.number,
                    "event_id": f"demo-{shipment.number}-{index}",
                    "code": code.value,
                    "occurred_at": start + step * (index + 1),
                    "location": place,
                    "description": DESCRIPTIONS[code],
                    "estimated_delivery": eta,
                }
            )
        )
    return events


def _add_shipment(spec: DemoShipment, owner: User, order: Order | None, now: datetime) -> None:
    shipment = Shipment(
        tracking_number=spec.number,
        carrier=spec.carrier,
        owner=owner,
        order=order,
        origin=spec.origin,
        destination=spec.destination,
        delivery_address=spec.address,
        estimated_delivery=(now - timedelta(days=spec.days_ago) + timedelta(days=5)).date(),
        created_at=now - timedelta(days=spec.days_ago),
    )
    shipment.contacts = [
        AlertContact(name=name, email=email, events=join_kinds(kinds))
        for name, email, kinds in spec.contacts
    ]
    db.session.add(shipment)
    db.session.commit()
    record_events(_events_for(spec, now), notify=False)


def seed_demo() -> None:
    """Orders and shipments at every stage for the demo customer, a couple for the VIP."""
    now = utcnow()
    owners = {email: find_user_by_email(email) for email in DEMO_OWNERS}
    for spec in DEMO_ORDERS:
        owner = owners.get(spec.owner)
        if owner is None:
            continue
        order = db.session.scalar(select(Order).where(Order.number == spec.number))
        if order is None:
            order = Order(
                number=spec.number,
                owner=owner,
                status=spec.status.value,
                placed_at=now - timedelta(days=spec.days_ago),
                items=[{"name": name, "quantity": quantity} for name, quantity in spec.items],
                total_amount=Decimal(spec.total),
                currency=spec.currency,
            )
            db.session.add(order)
            db.session.commit()
        for shipment in spec.shipments:
            exists = db.session.scalar(
                select(Shipment.id).where(Shipment.tracking_number == shipment.number)
            )
            if exists is None:
                _add_shipment(shipment, owner, order, now)


def new_demo_shipment() -> Shipment | None:
    """A fresh shipment for the demo customer, for `simulate` once every other has arrived."""
    owner = find_user_by_email(CUSTOMER)
    if owner is None:
        return None
    now = utcnow()
    number = f"PT{now:%y%m%d%H%M%S}"
    spec = _shipment(number, E.LABEL_CREATED, 0.01, contacts=(SAM,))
    _add_shipment(spec, owner, None, now)
    return db.session.scalar(select(Shipment).where(Shipment.tracking_number == number))
