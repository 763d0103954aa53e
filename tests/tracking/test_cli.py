"""The tracking commands: demo data, the carrier simulator and bulk data."""

from __future__ import annotations

from sqlalchemy import func, select

from community.extensions import db
from community.outbox.models import OutboxMessage
from tracking.models import AlertContact, Order, Shipment, TrackingEvent


def invoke(app, *args):
    """Run a command as `flask` would: inside an app context."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def table_counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Order, Shipment, TrackingEvent, AlertContact, OutboxMessage)
        )


def test_seed_demo_gives_every_stage_once_and_sends_no_mail(app):
    """Twice seed-demo: the same orders, shipments at every stage, contacts, no emails."""
    invoke(app, "seed-demo")
    first = table_counts(app)
    invoke(app, "seed-demo")
    assert table_counts(app) == first
    orders, shipments, _events, contacts, emails = first
    assert orders >= 8 and shipments >= 10 and contacts >= 5 and emails == 0
    with app.app_context():
        statuses = set(
            db.session.scalars(
                select(Shipment.status)
                .join(Shipment.owner)
                .where(Shipment.owner.has(email="customer@example.com"))
            )
        )
        order_statuses = set(db.session.scalars(select(Order.status)))
    assert statuses == {
        "label_created",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "exception",
        "attempt_failed",
        "returned",
    }
    assert order_statuses == {"placed", "shipped", "delivered", "returned", "cancelled"}


def test_simulate_moves_demo_shipments_and_queues_alerts(app):
    """Each simulated event is printed and alerts the owner and chosen contacts."""
    invoke(app, "seed-demo")
    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(TrackingEvent))
    output = invoke(app, "tracking", "simulate", "--events", "6", "--interval", "0", "--seed", "1")
    lines = [line for line in output.splitlines() if "alert(s) queued" in line]
    assert len(lines) == 6
    assert "http://portal.test/track/PT" in lines[0]
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(TrackingEvent)) == events_before + 6
        )
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) > 0


def test_simulate_starts_a_new_shipment_once_all_have_arrived(app, make_user):
    """With nothing left to move, simulate registers a fresh demo shipment and moves it."""
    invoke(app, "seed-demo")
    output = invoke(app, "tracking", "simulate", "--interval", "0", "--seed", "3")
    assert "every shipment has arrived" in output
    again = invoke(app, "tracking", "simulate", "--interval", "0", "--events", "2")
    assert "registered a new one" in again


def test_seed_bulk_inserts_shipments_with_their_events(app):
    """seed-bulk --shipments N --events-per-shipment M: N shipments, N×M events, consistent."""
    invoke(app, "seed-demo")
    output = invoke(app, "seed-bulk", "--shipments", "250", "--events-per-shipment", "6")
    assert "tracking: 250 shipments with 1500 events" in output
    with app.app_context():
        bulk = select(Shipment).where(Shipment.tracking_number.like("BK%"))
        shipments = db.session.scalars(bulk).all()
        assert len(shipments) == 250
        delivered = [s for s in shipments if s.status == "delivered"]
        assert len(delivered) == 150
        sample = shipments[7]
        codes = db.session.scalars(
            select(TrackingEvent.code)
            .where(TrackingEvent.shipment_id == sample.id)
            .order_by(TrackingEvent.occurred_at)
        ).all()
        assert len(codes) == 6 and codes[-1] == sample.status == sample.last_event_code
    invoke(app, "seed-bulk", "--shipments", "10", "--events-per-shipment", "2")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(bulk.subquery())) == 260
