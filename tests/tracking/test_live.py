"""Live tracking pages over Socket.IO: rooms, pushes after commit, and the cross-process relay."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.extensions import db, socketio
from tests.conftest import TEST_SECRET
from tests.services import run_flask
from tests.tracking.conftest import event
from tracking import live
from tracking.models import TrackingChange

NAMESPACE = "/tracking"


def watch(app, *numbers):
    return socketio.test_client(app, namespace=NAMESPACE, auth={"numbers": list(numbers)})


def pushes(client):
    return [
        item["args"][0]
        for item in client.get_received(NAMESPACE)
        if item["name"] == "shipment_changed"
    ]


def test_a_page_joins_its_numbers_room_and_learns_the_current_version(app, make_shipment, record):
    """Connecting with a real number joins its room and answers with its version."""
    shipment = make_shipment()
    record(event(shipment.number, "picked_up", 1))
    client = watch(app, shipment.number.lower(), "NOPE1234")
    assert client.is_connected(NAMESPACE)
    [hello] = [item for item in client.get_received(NAMESPACE) if item["name"] == "watching"]
    assert hello["args"][0] == {"versions": {shipment.number: 2}}
    client.disconnect(namespace=NAMESPACE)


@pytest.mark.parametrize(
    "auth",
    [
        None,
        {},
        {"numbers": "PT00000001"},
        {"numbers": ["NOPE1234"]},
        {"numbers": [f"PT{n:08d}" for n in range(31)]},
    ],
)
def test_a_connection_without_a_real_number_is_refused(app, auth):
    """No numbers, a string, unknown numbers or more than 30: the server refuses."""
    client = socketio.test_client(app, namespace=NAMESPACE, auth=auth)
    assert not client.is_connected(NAMESPACE)


def test_a_new_event_reaches_the_open_page_without_private_data(
    app, make_user, make_shipment, record
):
    """After the commit, the room hears the number, version and status, and nothing else."""
    owner = make_user("olive@example.com")
    shipment = make_shipment(owner, contacts=[("Carl", "carl@example.com", ["delivered"])])
    other = make_shipment(owner)
    client = watch(app, shipment.number)
    client.get_received(NAMESPACE)
    record(event(shipment.number, "out_for_delivery", 1), event(other.number, "picked_up", 1))
    [change] = pushes(client)
    assert change == {"number": shipment.number, "version": 2, "status": "out_for_delivery"}
    assert "olive" not in str(change) and "carl" not in str(change)


def test_a_rejected_batch_pushes_nothing(app, make_shipment, record):
    """Nothing is pushed for events that were never committed."""
    from tracking.services import IngestRejected

    shipment = make_shipment()
    client = watch(app, shipment.number)
    client.get_received(NAMESPACE)
    with pytest.raises(IngestRejected):
        record(event(shipment.number, "picked_up", 1), event("NOPE1234", "picked_up", 1))
    assert pushes(client) == []


def test_the_relay_pushes_changes_from_other_processes_only(app, make_shipment, record):
    """Rows logged by this process were pushed already; another process's are relayed."""
    shipment = make_shipment()
    client = watch(app, shipment.number)
    relay = live.Relay()
    with app.app_context():
        relay.poll_once()
    record(event(shipment.number, "picked_up", 1))
    client.get_received(NAMESPACE)
    with app.app_context():
        assert relay.poll_once() == 0  # our own change: already pushed
        db.session.add(
            TrackingChange(
                tracking_number=shipment.number, version=9, status="delivered", origin="elsewhere"
            )
        )
        db.session.commit()
        assert relay.poll_once() == 1
        assert relay.poll_once() == 0  # each change once
    assert pushes(client) == [{"number": shipment.number, "version": 9, "status": "delivered"}]


def test_an_event_stored_by_the_simulator_process_reaches_the_page(
    app, database_url, tmp_path, make_user, make_shipment, record
):
    """`flask tracking simulate` in a child process; this process's relay pushes its event."""
    shipment = make_shipment(make_user())
    record(event(shipment.number, "picked_up", 1))
    client = watch(app, shipment.number)
    client.get_received(NAMESPACE)
    relay = live.Relay()
    with app.app_context():
        relay.poll_once()
    env = {"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "REDIS_URL": ""}
    output = run_flask(
        tmp_path / "simulator",
        env,
        "tracking",
        "simulate",
        "--number",
        shipment.number,
        "--events",
        "1",
        "--interval",
        "0",
    )
    assert shipment.number in output and "in_transit" in output
    with app.app_context():
        assert relay.poll_once() == 1
    assert pushes(client) == [{"number": shipment.number, "version": 3, "status": "in_transit"}]


def test_with_a_message_queue_nothing_is_logged_for_relays(app, make_shipment, monkeypatch):
    """With REDIS_URL, pushes travel through Redis; the change log stays empty."""
    shipment = make_shipment()
    # Only the setting: a second SocketIO bound to a queue would leak into later tests.
    monkeypatch.setitem(app.config, "SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/15")
    with app.app_context():
        assert live.uses_message_queue()
        live.log_changes([live.Change(shipment.number, 2, "picked_up")])
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(TrackingChange)) == 0


def test_the_change_log_is_pruned(app, make_shipment, record):
    """Old change rows are deleted; live pages only need the last minutes."""
    from datetime import timedelta

    from community.db import utcnow

    shipment = make_shipment()
    record(event(shipment.number, "picked_up", 1))
    with app.app_context():
        db.session.execute(
            TrackingChange.__table__.update().values(created_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        live.Relay().prune()
        assert db.session.scalar(select(func.count()).select_from(TrackingChange)) == 0
