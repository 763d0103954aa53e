"""Tracking fixtures: shipments, orders, an API token and event builders."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from community.api.services import create_token
from community.extensions import db
from community.outbox.models import OutboxMessage
from tracking import services
from tracking.models import Shipment, TrackingEvent
from tracking.schemas import EventIn, OrderIn, ShipmentIn

# A fixed past moment, so every test reads the same times (and none is "in the future").
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@dataclass(frozen=True)
class ShipmentRecord:
    id: int
    number: str
    owner_email: str


def event(number: str, code: str, hours: float, **extra: Any) -> dict[str, Any]:
    """An API event item `hours` after T0; its id is unique unless given."""
    return {
        "tracking_number": number,
        "event_id": extra.pop("event_id", f"{number}-{code}-{hours}"),
        "code": code,
        "occurred_at": at(hours).isoformat(),
        "location": extra.pop("location", "Memphis, US"),
        "description": extra.pop("description", f"{code} scan"),
        **extra,
    }


@pytest.fixture
def make_shipment(app: Flask, make_user) -> Callable[..., ShipmentRecord]:
    """Register a shipment through the service: `make_shipment(owner, contacts=[...])`."""

    def factory(
        owner=None, *, number: str | None = None, contacts=(), order: str | None = None, **extra
    ) -> ShipmentRecord:
        owner = owner or make_user()
        number = number or f"PT{next(_numbers):08d}"
        data = ShipmentIn.model_validate(
            {
                "tracking_number": number,
                "carrier": "Portico Express",
                "owner_email": owner.email,
                "order_number": order,
                "origin": extra.pop("origin", "Shenzhen, CN"),
                "destination": extra.pop("destination", "Tacoma, US"),
                "delivery_address": extra.pop("delivery_address", "77 Secret Lane, Tacoma"),
                "contacts": [
                    {"name": name, "email": email, "events": list(kinds)}
                    for name, email, kinds in contacts
                ],
                **extra,
            }
        )
        with app.app_context():
            shipment = services.register_shipment(data)
            return ShipmentRecord(shipment.id, shipment.tracking_number, owner.email)

    return factory


@pytest.fixture
def make_order(app: Flask) -> Callable[..., str]:
    def factory(owner, number: str = "PO-1", status: str = "processing") -> str:
        data = OrderIn.model_validate(
            {
                "owner_email": owner.email,
                "status": status,
                "placed_at": T0.isoformat(),
                "items": [{"name": "Desk lamp", "quantity": 2}],
                "total": {"amount": "59.80", "currency": "USD"},
            }
        )
        with app.app_context():
            services.upsert_order(number, data)
        return number

    return factory


@pytest.fixture
def record(app: Flask) -> Callable[..., services.IngestResult]:
    """Store event items through the service, as the API does."""

    def recorder(*items: dict[str, Any], notify: bool = True) -> services.IngestResult:
        with app.app_context():
            return services.record_events(
                [EventIn.model_validate(item) for item in items], notify=notify
            )

    return recorder


@pytest.fixture
def shipment_state(app: Flask) -> Callable[[str], dict[str, Any]]:
    def read(number: str) -> dict[str, Any]:
        with app.app_context():
            shipment = db.session.scalar(select(Shipment).where(Shipment.tracking_number == number))
            state = {
                column.key: getattr(shipment, column.key) for column in Shipment.__table__.columns
            }
            db.session.remove()
            return state

    return read


@pytest.fixture
def api_token(app: Flask) -> str:
    with app.app_context():
        _token, secret = create_token("warehouse")
        return secret


@pytest.fixture
def api(client, api_token):
    """Call the JSON API with the bearer token: `api("post", url, json=...)`."""

    def call(method: str, url: str, **kwargs: Any):
        headers = {"Authorization": f"Bearer {api_token}", **kwargs.pop("headers", {})}
        return getattr(client, method)(url, headers=headers, **kwargs)

    return call


def counts(app: Flask) -> tuple[int, int]:
    """(tracking events, outbox messages) stored right now."""
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(TrackingEvent))
        emails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        db.session.remove()
        return events or 0, emails or 0
