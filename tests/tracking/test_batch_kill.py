"""A batch killed halfway (SIGKILL in a real child process) leaves all or nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from community.extensions import db
from community.outbox.models import OutboxMessage
from tests.services import ROOT, wait_for
from tests.tracking.conftest import counts, event
from tracking.models import Shipment

pytestmark = pytest.mark.slow

ALL = ["shipped", "exception", "eta_changed", "out_for_delivery", "delivered"]
ROUTE = [("picked_up", 1), ("in_transit", 2), ("out_for_delivery", 3), ("delivered", 4)]


def versions(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Shipment.tracking_number, Shipment.version)).all()
        db.session.remove()
        return dict(rows)


@pytest.mark.parametrize(
    "pause_after", ["INSERT INTO tracking_events", "INSERT INTO outbox_messages"]
)
def test_a_batch_killed_halfway_stores_nothing_and_a_resend_stores_it_once(
    app, database_url, tmp_path, api, api_token, make_user, make_shipment, pause_after
):
    """Kill mid-batch: no event, no email; resent twice: each event once, one alert each."""
    shipments = [
        make_shipment(
            make_user(),
            contacts=[("A", f"a{n}@example.com", ALL), ("B", f"b{n}@example.com", ALL)],
        )
        for n in range(10)
    ]
    batch = {"events": [event(s.number, code, hours) for s in shipments for code, hours in ROUTE]}
    expected_alerts = len(shipments) * 3 * 3  # 3 alert-worthy events, owner + 2 contacts
    before = versions(app)

    batch_file = tmp_path / "batch.json"
    batch_file.write_text(json.dumps(batch))
    marker = tmp_path / "frozen"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.tracking.ingest_child"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "PORTAL_INSTANCE": str(tmp_path / "child"),
            "BATCH_FILE": str(batch_file),
            "API_TOKEN": api_token,
            "PAUSE_MARKER": str(marker),
            "PAUSE_AFTER": pause_after,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: marker.exists() or child.poll() is not None, timeout=60)
        assert child.poll() is None, child.stderr.read().decode()
        assert counts(app) == (0, 0), "nothing is visible before the commit"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert counts(app) == (0, 0)
    assert versions(app) == before

    first = api("post", "/api/v1/tracking/events", json=batch)
    assert first.status_code == 200
    assert first.json == {
        "received": 40,
        "stored": 40,
        "duplicates": 0,
        "alerts_queued": expected_alerts,
    }
    second = api("post", "/api/v1/tracking/events", json=batch)
    assert second.json["duplicates"] == 40 and second.json["alerts_queued"] == 0

    assert counts(app) == (40, expected_alerts)
    with app.app_context():
        keys = Counter(db.session.scalars(select(OutboxMessage.dedupe_key)))
        recipients = Counter(db.session.scalars(select(OutboxMessage.to_address)))
    assert max(keys.values()) == 1
    assert set(recipients.values()) == {3}  # each person: shipped, out for delivery, delivered
    assert all(version == before[number] + 1 for number, version in versions(app).items())
