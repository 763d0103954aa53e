"""A batch's live pushes leave through Redis together after its commit: all of them, each to
its own shipment's room, and none for a batch that was refused."""

from __future__ import annotations

import json
import time

import pytest
import redis

from community.extensions import socketio
from tests.services import redis_available, redis_test_url, require_service
from tests.tracking.conftest import event
from tracking import services
from tracking.live import EVENT_NAME
from tracking.schemas import EventIn
from tracking.services.ingest import IngestRejected

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_app(app, make_app):
    """Built after the default app: the Socket.IO server is one instance per process."""
    require_service("Redis", redis_available())
    return make_app(SOCKETIO_MESSAGE_QUEUE=redis_test_url(), REDIS_URL=redis_test_url())


def published(subscriber, seconds: float = 3.0) -> list[dict]:
    messages, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = subscriber.get_message(timeout=0.2)
        if message and message["type"] == "message":
            messages.append(json.loads(message["data"]))
    return messages


def test_every_changed_shipment_gets_its_push_once(redis_app, make_user, make_shipment):
    numbers = [make_shipment(make_user()).number for _ in range(40)]
    subscriber = redis.Redis.from_url(redis_test_url()).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(socketio.server_options.get("channel", "flask-socketio"))
    time.sleep(0.1)
    batch = [EventIn.model_validate(event(number, "picked_up", 1)) for number in numbers]

    with redis_app.app_context():
        services.record_events(batch)
    pushes = [m for m in published(subscriber) if m.get("event") == EVENT_NAME]

    assert len(pushes) == 40
    assert len({push["room"] for push in pushes}) == 40
    payloads = [
        push["data"][0] if isinstance(push["data"], list) else push["data"] for push in pushes
    ]
    assert sorted(payload["number"] for payload in payloads) == sorted(numbers)

    refused = [*batch, EventIn.model_validate(event("PT-UNKNOWN", "picked_up", 2))]
    with redis_app.app_context(), pytest.raises(IngestRejected):
        services.record_events(refused)
    assert [m for m in published(subscriber, 1.0) if m.get("event") == EVENT_NAME] == []
    subscriber.close()
