"""Event ids belong to their sender and shipment: carriers' per-shipment numbering is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.api.services import create_token
from community.extensions import db
from tests.community.outbox_helpers import queued_to
from tests.tracking.conftest import counts, event
from tracking import services
from tracking.models import LOCAL_SENDER, TrackingEvent
from tracking.schemas import EventIn

EVENTS = "/api/v1/tracking/events"
ALL = ["shipped", "exception", "eta_changed", "out_for_delivery", "delivered"]


@pytest.fixture
def second_api(app, client):
    """Call the JSON API as another system, with a token of its own."""
    with app.app_context():
        _token, secret = create_token("second carrier")

    def call(method: str, url: str, **kwargs):
        return getattr(client, method)(url, headers={"Authorization": f"Bearer {secret}"}, **kwargs)

    return call


def _timeline(api, number: str) -> list[tuple[str, str]]:
    response = api("get", f"/api/v1/shipments/{number}")
    assert response.status_code == 200
    return [(item["event_id"], item["code"]) for item in response.json["events"]]


def test_a_carrier_numbering_events_per_shipment_keeps_every_seq_1(
    app, api, make_user, make_shipment
):
    """`seq-1` and `seq-2` on two shipments in one batch: four events, each alerted once."""
    first = make_shipment(make_user(), contacts=[("Li", "li@example.com", ALL)])
    second = make_shipment(make_user(), contacts=[("Bo", "bo@example.com", ALL)])
    batch = {
        "events": [
            event(shipment.number, code, hours, event_id=f"seq-{position}")
            for shipment in (first, second)
            for position, (code, hours) in enumerate((("picked_up", 1), ("delivered", 4)), 1)
        ]
    }
    response = api("post", EVENTS, json=batch)
    assert response.json == {"received": 4, "stored": 4, "duplicates": 0, "alerts_queued": 8}
    for shipment in (first, second):
        assert _timeline(api, shipment.number) == [("seq-1", "picked_up"), ("seq-2", "delivered")]
    assert len(queued_to(app, "li@example.com")) == 2
    assert len(queued_to(app, "bo@example.com")) == 2


def test_the_same_sender_replaying_a_batch_stores_and_alerts_nothing_new(
    app, api, make_user, make_shipment
):
    """Per-shipment ids sent again by the same token are duplicates: no event, no email."""
    shipments = [
        make_shipment(make_user(), contacts=[("Li", f"li{n}@example.com", ALL)]) for n in range(2)
    ]
    batch = {
        "events": [
            event(shipment.number, "picked_up", 1, event_id="seq-1") for shipment in shipments
        ]
    }
    assert api("post", EVENTS, json=batch).json["stored"] == 2
    before = counts(app)
    replay = api("post", EVENTS, json=batch)
    assert replay.json == {"received": 2, "stored": 0, "duplicates": 2, "alerts_queued": 0}
    assert counts(app) == before == (2, 4)
    assert len(queued_to(app, "li0@example.com")) == 1


def test_two_tokens_sending_one_id_for_one_shipment_both_keep_their_event(
    app, api, second_api, make_shipment
):
    """Two systems that both call their first event `1`: both events are on the timeline."""
    shipment = make_shipment()
    ours = event(shipment.number, "picked_up", 1, event_id="1")
    theirs = event(shipment.number, "in_transit", 2, event_id="1", location="Leipzig, DE")
    assert api("post", EVENTS, json=ours).json["stored"] == 1
    assert second_api("post", EVENTS, json=theirs).json["stored"] == 1
    assert _timeline(api, shipment.number) == [("1", "picked_up"), ("1", "in_transit")]
    # Each one's replay is still its own duplicate.
    assert api("post", EVENTS, json=ours).json["duplicates"] == 1
    assert second_api("post", EVENTS, json=theirs).json["duplicates"] == 1
    assert counts(app)[0] == 2


def test_one_id_twice_for_one_shipment_in_one_batch_is_one_event(api, make_shipment):
    """Within a batch the first of two items with one id on one shipment counts."""
    shipment = make_shipment()
    batch = {
        "events": [
            event(shipment.number, "picked_up", 1, event_id="seq-1"),
            event(shipment.number, "in_transit", 2, event_id="seq-1"),
        ]
    }
    response = api("post", EVENTS, json=batch)
    assert (response.json["stored"], response.json["duplicates"]) == (1, 1)
    assert _timeline(api, shipment.number) == [("seq-1", "picked_up")]


def test_the_portals_own_events_are_one_sender_apart_from_every_token(app, make_shipment, record):
    """The simulator's replay is a duplicate; a token's event with the same id is not."""
    shipment = make_shipment()
    item = event(shipment.number, "picked_up", 1, event_id="sim-1")
    assert record(item).stored == 1
    assert record(item).duplicates == 1
    with app.app_context():
        token_id = create_token("carrier")[0].id
        result = services.record_events([EventIn.model_validate(item)], api_token_id=token_id)
        senders = db.session.scalars(select(TrackingEvent.sender).order_by(TrackingEvent.id)).all()
    assert result.stored == 1
    assert senders == [LOCAL_SENDER, f"token:{token_id}"]


@pytest.mark.parametrize(
    ("event_id", "reason"),
    [
        ("", "invalid"),
        ("   ", "invalid"),
        ("x" * 101, "invalid"),
        (None, "invalid"),
        (7, "invalid"),
    ],
)
def test_a_bad_event_id_is_a_422_naming_the_field(app, api, make_shipment, event_id, reason):
    """An empty, blank, overlong, null or numeric event id rejects the batch; nothing stored."""
    shipment = make_shipment()
    good = event(shipment.number, "picked_up", 1)
    bad = {**event(shipment.number, "in_transit", 2), "event_id": event_id}
    response = api("post", EVENTS, json={"events": [good, bad]})
    assert response.status_code == 422
    problems = response.json["error"]["fields"]
    assert [(p["index"], p["field"], p["reason"]) for p in problems] == [
        (1, "events[1].event_id", reason)
    ]
    assert counts(app) == (0, 0)


def test_a_missing_event_id_is_a_missing_field(app, api, make_shipment):
    """An event without an id is refused as missing_field, naming it."""
    shipment = make_shipment()
    item = event(shipment.number, "picked_up", 1)
    del item["event_id"]
    response = api("post", EVENTS, json=item)
    assert response.status_code == 422
    assert response.json["error"]["fields"][0]["field"] == "events[0].event_id"
    assert response.json["error"]["fields"][0]["reason"] == "missing_field"
    assert counts(app) == (0, 0)


def test_an_id_of_exactly_100_characters_is_kept(api, make_shipment):
    """The longest allowed id is stored and given back whole."""
    shipment = make_shipment()
    long_id = "é" * 100
    assert (
        api("post", EVENTS, json=event(shipment.number, "picked_up", 1, event_id=long_id)).json[
            "stored"
        ]
        == 1
    )
    assert _timeline(api, shipment.number) == [(long_id, "picked_up")]
