"""Scoping event ids by sender and shipment, as a migration: no event lost either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import column, select, table

from community.accounts.services import create_user
from community.api.services import create_token
from community.app import create_app
from community.db import UTCDateTime
from community.extensions import db
from tests.conftest import (
    TEST_SECRET,
    base_overrides,
    create_postgres_database,
    drop_postgres_database,
)
from tests.services import ROOT, postgres_available, require_service, run_flask
from tests.tracking.conftest import at, event
from tracking import services
from tracking.models import TrackingEvent
from tracking.schemas import EventIn, ShipmentIn

pytestmark = pytest.mark.slow

REVISION = "0008_tracking_event_scope"

# tracking_events as it was before the revision: no sender column.
OLD_EVENTS = table(
    "tracking_events",
    column("id"),
    column("shipment_id"),
    column("sender_event_id"),
    column("code"),
    column("occurred_at", UTCDateTime()),
    column("location"),
    column("description"),
    column("received_at", UTCDateTime()),
    column("api_token_id"),
)


def _previous_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    previous = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    assert isinstance(previous, str)
    return previous


def _seed_old_rows(app: Flask) -> int:
    """Two shipments with events from a token and from the portal; the token's id."""
    with app.app_context():
        owner = create_user(email="owner@example.com", password="x" * 12, display_name="Owner")
        db.session.commit()
        token_id = create_token("carrier")[0].id
        ids = {}
        for number in ("PT00000001", "PT00000002"):
            data = ShipmentIn.model_validate(
                {"tracking_number": number, "carrier": "UPS", "owner_email": owner.email}
            )
            ids[number] = services.register_shipment(data).id
        rows = [
            (ids["PT00000001"], "seq-1", token_id),
            (ids["PT00000001"], "sim-1", None),
            (ids["PT00000002"], "old-1", token_id),
        ]
        db.session.execute(
            OLD_EVENTS.insert(),
            [
                {
                    "shipment_id": shipment_id,
                    "sender_event_id": event_id,
                    "code": "picked_up",
                    "occurred_at": at(1),
                    "location": "Memphis, US",
                    "description": "picked up",
                    "received_at": at(1),
                    "api_token_id": api_token_id,
                }
                for shipment_id, event_id, api_token_id in rows
            ],
        )
        db.session.commit()
        db.engine.dispose()
    return token_id


def _events(app: Flask) -> list[tuple[str, str]]:
    """(sender's event id, sender) of every event, oldest first, on the current schema."""
    with app.app_context():
        rows = db.session.execute(
            select(TrackingEvent.sender_event_id, TrackingEvent.sender).order_by(TrackingEvent.id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return [(event_id, sender) for event_id, sender in rows]


def _old_ids(app: Flask) -> list[str]:
    """Every event's id, oldest first, on the schema before the revision."""
    with app.app_context():
        ids = list(
            db.session.scalars(select(OLD_EVENTS.c.sender_event_id).order_by(OLD_EVENTS.c.id))
        )
        db.session.remove()
        db.engine.dispose()
    return ids


def _send(app: Flask, token_id: int | None, *items: dict) -> tuple[int, int]:
    with app.app_context():
        result = services.record_events(
            [EventIn.model_validate(item) for item in items], api_token_id=token_id
        )
        db.engine.dispose()
    return result.stored, result.duplicates


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scope.db'}"
        return
    require_service("PostgreSQL", postgres_available())
    url = create_postgres_database("event_scope")
    yield url
    drop_postgres_database(url)


def test_the_migration_keeps_every_event_and_replays_stay_duplicates(database, tmp_path):
    """Old events get their sender; replays across the upgrade are duplicates; down keeps all."""
    env = {"DATABASE_URL": database, "SECRET_KEY": TEST_SECRET}
    instance = tmp_path / "instance"
    previous = _previous_revision()
    run_flask(instance, env, "db", "upgrade", previous)
    app = create_app(base_overrides(database, tmp_path / "app"))
    token_id = _seed_old_rows(app)

    run_flask(instance, env, "db", "upgrade", REVISION)
    token = f"token:{token_id}"
    assert _events(app) == [("seq-1", token), ("sim-1", "local"), ("old-1", token)]
    # The carrier replays an event sent before the upgrade, and numbers another shipment's.
    assert _send(app, token_id, event("PT00000001", "picked_up", 1, event_id="seq-1")) == (0, 1)
    assert _send(app, None, event("PT00000001", "picked_up", 1, event_id="sim-1")) == (0, 1)
    assert _send(app, token_id, event("PT00000002", "in_transit", 2, event_id="seq-1")) == (1, 0)

    # Down again: the global constraint fits, the newer `seq-1` renamed rather than lost.
    run_flask(instance, env, "db", "downgrade", previous)
    ids = _old_ids(app)
    assert ids[:3] == ["seq-1", "sim-1", "old-1"]
    assert len(ids) == 4 and ids[3].startswith("seq-1#")

    run_flask(instance, env, "db", "upgrade", REVISION)
    assert [sender for _id, sender in _events(app)] == [token, "local", token, token]
