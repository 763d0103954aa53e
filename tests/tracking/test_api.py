"""The tracking JSON API: every refusal, per-item reasons, idempotence, the OpenAPI text."""

from __future__ import annotations

import pytest

from tests.community.outbox_helpers import queued_to
from tests.tracking.conftest import counts, event

EVENTS = "/api/v1/tracking/events"
ALL = ["shipped", "exception", "eta_changed", "out_for_delivery", "delivered"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", EVENTS),
        ("post", "/api/v1/shipments"),
        ("get", "/api/v1/shipments/PT00000001"),
        ("put", "/api/v1/orders/PO-1"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer pt_wrong", "Basic abc"])
def test_a_missing_or_wrong_token_gets_401(client, method, url, header):
    """Without a valid bearer token every tracking endpoint answers 401 and stores nothing."""
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(url, json={}, headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_content_type_gets_415(api):
    """A form-encoded body is refused with 415."""
    response = api("post", EVENTS, data="tracking_number=x")
    assert response.status_code == 415


def test_malformed_json_gets_400(api):
    """Broken JSON is refused with 400."""
    response = api(
        "post", EVENTS, data='{"events": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json["error"]["message"]


def test_a_batch_over_500_events_is_refused_whole(app, api, make_shipment):
    """501 events get 413 and none is stored."""
    shipment = make_shipment()
    items = [event(shipment.number, "in_transit", n / 100) for n in range(501)]
    response = api("post", EVENTS, json={"events": items})
    assert response.status_code == 413
    assert "at most 500" in response.json["error"]["message"]
    assert counts(app) == (0, 0)


def test_every_rejected_item_is_named_with_its_index_and_reason(app, api, make_shipment):
    """Unknown number, unknown code, bad time, missing field: one 422, nothing stored."""
    shipment = make_shipment()
    good = event(shipment.number, "picked_up", 1)
    no_location = event(shipment.number, "in_transit", 2)
    del no_location["location"]
    items = [
        good,
        event("NOPE0001", "picked_up", 1),
        event(shipment.number, "teleported", 1),
        {**event(shipment.number, "in_transit", 2), "occurred_at": "2026-03-02T10:00:00"},
        {**event(shipment.number, "in_transit", 2), "occurred_at": "yesterday"},
        no_location,
    ]
    response = api("post", EVENTS, json={"events": items})
    assert response.status_code == 422
    problems = response.json["error"]["fields"]
    reasons = {(problem["index"], problem["reason"]) for problem in problems}
    assert reasons == {
        (1, "unknown_tracking_number"),
        (2, "unknown_code"),
        (3, "bad_time"),
        (4, "bad_time"),
        (5, "missing_field"),
    }
    assert {problem["field"] for problem in problems} >= {
        "events[1].tracking_number",
        "events[5].location",
    }
    assert "5 of 6 events were rejected" in response.json["error"]["message"]
    assert counts(app) == (0, 0)


def test_an_event_in_the_future_is_a_bad_time(api, make_shipment):
    """A time more than an hour ahead is refused as bad_time."""
    shipment = make_shipment()
    item = {**event(shipment.number, "picked_up", 1), "occurred_at": "2999-01-01T00:00:00Z"}
    response = api("post", EVENTS, json=item)
    assert response.status_code == 422
    assert response.json["error"]["fields"][0]["reason"] == "bad_time"


def test_a_batch_is_idempotent_by_event_id(app, api, make_user, make_shipment):
    """The same batch twice: stored once, counted as duplicates, alerts queued once."""
    owner = make_user()
    shipment = make_shipment(owner, contacts=[("Li", "li@example.com", ALL)])
    batch = {
        "events": [event(shipment.number, "picked_up", 1), event(shipment.number, "delivered", 4)]
    }
    first = api("post", EVENTS, json=batch)
    assert first.status_code == 200
    assert first.json == {"received": 2, "stored": 2, "duplicates": 0, "alerts_queued": 4}
    second = api("post", EVENTS, json=batch)
    assert second.json == {"received": 2, "stored": 0, "duplicates": 2, "alerts_queued": 0}
    assert counts(app) == (2, 4)
    assert len(queued_to(app, "li@example.com")) == 2


def test_a_single_event_object_is_accepted(api, make_shipment):
    """One event may be sent without the batch wrapper."""
    shipment = make_shipment()
    response = api("post", EVENTS, json=event(shipment.number, "picked_up", 1))
    assert response.status_code == 200 and response.json["stored"] == 1


def test_an_empty_batch_or_a_bare_list_is_refused(api):
    """{"events": []} and a JSON list are 422 naming the field."""
    assert api("post", EVENTS, json={"events": []}).json["error"]["fields"][0]["field"] == "events"
    assert api("post", EVENTS, json=[1, 2]).status_code == 422


def test_get_shipment_returns_status_and_events_oldest_first(api, make_shipment):
    """GET /api/v1/shipments/<number> has the status and the timeline in time order."""
    shipment = make_shipment(contacts=[("Li", "li@example.com", ["delivered"])])
    api(
        "post",
        EVENTS,
        json={
            "events": [
                event(shipment.number, "in_transit", 2),
                event(shipment.number, "picked_up", 1),
            ]
        },
    )
    response = api("get", f"/api/v1/shipments/{shipment.number.lower()}")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "in_transit"
    assert [item["code"] for item in body["events"]] == ["picked_up", "in_transit"]
    assert body["contacts"] == [{"name": "Li", "email": "li@example.com", "events": ["delivered"]}]
    assert api("get", "/api/v1/shipments/NOPE0001").status_code == 404


def test_put_order_creates_then_updates(api, make_user):
    """PUT creates the order (201), then replaces it (200)."""
    owner = make_user()
    body = {
        "owner_email": owner.email.upper(),
        "status": "placed",
        "placed_at": "2026-03-01T09:00:00+08:00",
        "items": [{"name": "Lamp", "quantity": 1}],
        "total": {"amount": "19.90", "currency": "eur"},
    }
    created = api("put", "/api/v1/orders/po-9", json=body)
    assert created.status_code == 201
    assert created.json["number"] == "PO-9" and created.json["total"] == {
        "amount": "19.90",
        "currency": "EUR",
    }
    updated = api("put", "/api/v1/orders/PO-9", json={**body, "status": "processing"})
    assert updated.status_code == 200 and updated.json["status"] == "processing"
    assert updated.json["created"] is False


def test_put_order_refuses_unknown_owners_and_bad_fields(api):
    """An owner without an account, or a missing total, is a 422 naming the field."""
    body = {
        "owner_email": "nobody@example.com",
        "status": "placed",
        "placed_at": "2026-03-01T09:00:00Z",
        "items": [],
        "total": {"amount": "1", "currency": "USD"},
    }
    response = api("put", "/api/v1/orders/PO-10", json=body)
    assert response.status_code == 422
    assert response.json["error"]["fields"][0]["field"] == "owner_email"
    response = api("put", "/api/v1/orders/PO-10", json={**body, "total": None})
    assert response.json["error"]["fields"][0]["field"] == "total"
    assert api("put", "/api/v1/orders/x", json=body).json["error"]["fields"][0]["field"] == "number"


def test_post_shipment_registers_with_contacts(api, make_user, make_order):
    """A shipment with an order and two contacts is registered (201, Location)."""
    owner = make_user()
    make_order(owner, "PO-5")
    response = api(
        "post",
        "/api/v1/shipments",
        json={
            "tracking_number": "1z999aa10123456784",
            "carrier": "UPS",
            "order_number": "PO-5",
            "owner_email": owner.email,
            "estimated_delivery": "2026-03-09",
            "contacts": [
                {"name": "Li", "email": "li@example.com", "events": ["delivered"]},
                {"name": "Bo", "email": "bo@example.com", "events": ["exception", "delivered"]},
            ],
        },
    )
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/shipments/1Z999AA10123456784"
    assert response.json["order_number"] == "PO-5"
    assert len(response.json["contacts"]) == 2


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        (
            {
                "contacts": [
                    {"name": f"C{n}", "email": f"c{n}@example.com", "events": ["delivered"]}
                    for n in range(4)
                ]
            },
            "contacts",
            422,
        ),
        (
            {"contacts": [{"name": "A", "email": "a@example.com", "events": ["delivered"]}] * 2},
            "contacts[1].email",
            422,
        ),
        (
            {"contacts": [{"name": "A", "email": "a@example.com", "events": ["teleported"]}]},
            "contacts[0].events[0]",
            422,
        ),
        ({"order_number": "PO-404"}, "order_number", 422),
        ({"owner_email": "nobody@example.com"}, "owner_email", 422),
        ({"tracking_number": "PT00000099"}, "tracking_number", 409),
    ],
)
def test_post_shipment_refusals_name_the_field(
    api, make_user, make_shipment, change, field, status
):
    """Four contacts, a repeated one, bad alert names, unknown order or owner, a taken number."""
    owner = make_user()
    make_shipment(owner, number="PT00000099")
    body = {"tracking_number": "PT00000100", "carrier": "UPS", "owner_email": owner.email, **change}
    response = api("post", "/api/v1/shipments", json=body)
    assert response.status_code == status
    assert response.json["error"]["fields"][0]["field"] == field


def test_the_openapi_document_describes_the_tracking_api(client):
    """/api/openapi.json lists each endpoint with its schemas and error answers."""
    document = client.get("/api/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/tracking/events"]["post"]["responses"]) >= {
        "200",
        "401",
        "413",
        "415",
        "400",
        "422",
    }
    assert "put" in paths["/api/v1/orders/{number}"]
    assert "post" in paths["/api/v1/shipments"]
    assert "get" in paths["/api/v1/shipments/{number}"]
    schemas = document["components"]["schemas"]
    assert {"EventIn", "EventBatchIn", "ShipmentIn", "OrderIn", "ShipmentOut", "IngestOut"} <= set(
        schemas
    )
    assert schemas["EventBatchIn"]["properties"]["events"]["maxItems"] == 500
    assert "label_created" in str(schemas)
