"""Carriers send in parallel: two clients posting batches that touch the same shipments, in
different orders, never get an error and never lose or double an event."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from community.api.services import create_token
from community.extensions import db
from tests.tracking.conftest import event
from tracking.models import Shipment, TrackingEvent

pytestmark = pytest.mark.slow

CODES = ["picked_up", "in_transit", "exception", "attempt_failed", "out_for_delivery"]


def batches_for(carrier: int, numbers: list[str], count: int, size: int) -> list[dict]:
    """`count` batches of `size` events over all `numbers`, each batch in its own order."""
    rng = random.Random(carrier)
    batches = []
    for n in range(count):
        items = [
            event(
                rng.choice(numbers),
                rng.choice(CODES),
                1 + n + i / 100,
                event_id=f"c{carrier}-b{n}-e{i}",
            )
            for i in range(size)
        ]
        batches.append({"events": items})
    return batches


def test_two_carriers_on_the_same_shipments_never_fail(app, make_user, make_shipment, caplog):
    owner = make_user()
    numbers = [make_shipment(owner).number for _ in range(12)]
    with app.app_context():
        tokens = [create_token(f"carrier {n}")[1] for n in range(2)]
    plans = [batches_for(carrier, numbers, count=120, size=20) for carrier in range(2)]
    answers: list[Counter] = [Counter(), Counter()]

    def send(carrier: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[carrier]}"}
        for batch in plans[carrier]:
            response = client.post("/api/v1/tracking/events", json=batch, headers=headers)
            answers[carrier][response.status_code] += 1

    threads = [threading.Thread(target=send, args=(carrier,)) for carrier in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert [dict(counter) for counter in answers] == [{200: 120}, {200: 120}]
    # The locks are taken in one order: the batches queued, none had to be run again.
    assert "write conflict" not in caplog.text
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(TrackingEvent))
        versions = db.session.scalars(select(Shipment.version)).all()
    assert stored == 2 * 120 * 20  # every event once: ids differ per carrier and batch
    assert sum(versions) - len(versions) >= 240  # every batch moved its shipments on
