"""Returned is a real order status: stored by ingest, read by the API, shown on the order list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from community.accounts.models import User
from community.extensions import db
from tests.helpers import logged_in
from tests.tracking.conftest import event
from tracking.models import Order

ORDER_BODY = {
    "placed_at": "2026-03-01T09:00:00+08:00",
    "items": [{"name": "Kettle", "quantity": 1}],
    "total": {"amount": "35.00", "currency": "USD"},
}


def _stored_status(app, number: str) -> str | None:
    with app.app_context():
        status = db.session.scalar(select(Order.status).where(Order.number == number))
        db.session.remove()
        return status


def _order_card(page: str, number: str) -> str:
    """The order list's card of one order."""
    cards = re.split(r'<article class="card trk-order"', page)[1:]
    (card,) = [card for card in cards if f"{number}</h2>" in card]
    return card


def _step_states(card: str) -> list[str]:
    """The progress picture, step by step: done, current, trouble or todo."""
    return re.findall(r'class="trk-step trk-step-(\w+)"', card)


def _ship_and_return(record, numbers: list[str]) -> None:
    for number in numbers:
        record(event(number, "picked_up", 1))
    for number in numbers:
        record(event(number, "returned", 5))


@pytest.fixture
def returned_order(make_user, make_order, make_shipment, record):
    """Olive's order PO-RET: two shipments, both picked up and returned to sender."""
    owner = make_user("olive@example.com")
    make_order(owner, "PO-RET")
    shipments = [make_shipment(owner, order="PO-RET") for _ in range(2)]
    _ship_and_return(record, [shipment.number for shipment in shipments])
    return owner, shipments


def test_an_order_is_returned_only_once_every_shipment_came_back(
    app, make_user, make_order, make_shipment, record
):
    """One of two shipments returned: still shipped; the second returned too: returned."""
    owner = make_user()
    make_order(owner, "PO-TWO")
    first, second = (make_shipment(owner, order="PO-TWO") for _ in range(2))
    record(event(first.number, "picked_up", 1), event(second.number, "picked_up", 1))
    record(event(first.number, "returned", 4))
    assert _stored_status(app, "PO-TWO") == "shipped"
    record(event(second.number, "returned", 6))
    assert _stored_status(app, "PO-TWO") == "returned"


def test_the_api_reads_a_returned_order_as_returned(app, api, returned_order):
    """GET /api/v1/orders/<number> says "returned" and lists the order's shipments."""
    _owner, shipments = returned_order
    assert _stored_status(app, "PO-RET") == "returned"
    response = api("get", "/api/v1/orders/po-ret")
    assert response.status_code == 200
    assert response.json["status"] == "returned"
    assert response.json["shipments"] == [shipment.number for shipment in shipments]


def test_reading_an_order_needs_a_token_and_a_known_number(client, api):
    """No token: 401; an unknown or malformed number: 404."""
    assert client.get("/api/v1/orders/PO-RET").status_code == 401
    assert api("get", "/api/v1/orders/PO-404").status_code == 404
    assert api("get", "/api/v1/orders/x!").status_code == 404


def test_the_order_list_shows_the_return_at_the_shipped_step(app, returned_order):
    """Placed and processing done, Shipped marked Returned, Delivered never reached."""
    owner, _shipments = returned_order
    card = _order_card(logged_in(app, owner).get("/account/orders").text, "PO-RET")
    assert _step_states(card) == ["done", "done", "trouble", "todo"]
    assert '<span class="trk-step-note">Returned</span>' in card
    assert "Delivered" in card and "(not yet)" in card
    assert 'data-status="returned"' in card


def test_the_chinese_order_list_carries_the_same_status_and_picture(app, returned_order):
    """In Chinese the order is returned too, with the return at the Shipped step."""
    owner, _shipments = returned_order
    with app.app_context():
        db.session.execute(update(User).where(User.id == owner.id).values(locale="zh_Hans_CN"))
        db.session.commit()
    page = logged_in(app, owner).get("/account/orders").text
    assert 'lang="zh-Hans"' in page
    card = _order_card(page, "PO-RET")
    assert 'data-status="returned"' in card
    assert _step_states(card) == ["done", "done", "trouble", "todo"]
    assert "订单进度" in card and "Order progress" not in card


def test_a_mixed_order_counts_what_was_delivered(
    app, api, make_user, make_order, make_shipment, record
):
    """One shipment delivered and one returned: the order is delivered, all steps done."""
    owner = make_user()
    make_order(owner, "PO-MIX")
    kept, sent_back = (make_shipment(owner, order="PO-MIX") for _ in range(2))
    record(event(kept.number, "picked_up", 1), event(sent_back.number, "picked_up", 1))
    record(event(sent_back.number, "returned", 3))
    assert _stored_status(app, "PO-MIX") == "shipped"
    record(event(kept.number, "delivered", 4))
    assert _stored_status(app, "PO-MIX") == "delivered"
    assert api("get", "/api/v1/orders/PO-MIX").json["status"] == "delivered"
    card = _order_card(logged_in(app, owner).get("/account/orders").text, "PO-MIX")
    assert _step_states(card) == ["done"] * 4
    assert "trk-step-note" not in card


def test_a_delivered_order_becomes_returned_when_everything_goes_back(
    app, make_user, make_order, make_shipment, record
):
    """Both delivered, then one returned: still delivered; the other returned: returned."""
    owner = make_user()
    make_order(owner, "PO-BACK")
    first, second = (make_shipment(owner, order="PO-BACK") for _ in range(2))
    record(event(first.number, "delivered", 2), event(second.number, "delivered", 2))
    assert _stored_status(app, "PO-BACK") == "delivered"
    record(event(first.number, "returned", 30))
    assert _stored_status(app, "PO-BACK") == "delivered"
    record(event(second.number, "returned", 31))
    assert _stored_status(app, "PO-BACK") == "returned"
    # Nothing follows a return: a late delivery scan changes neither shipment nor order.
    record(event(second.number, "delivered", 32))
    assert _stored_status(app, "PO-BACK") == "returned"


def test_a_returned_order_is_delivered_when_a_new_shipment_arrives(
    app, make_shipment, record, returned_order
):
    """A replacement shipment on the returned order: returned while it travels (never back
    to shipped), delivered once it arrives."""
    owner, _shipments = returned_order
    replacement = make_shipment(owner, order="PO-RET")
    record(event(replacement.number, "picked_up", 10))
    assert _stored_status(app, "PO-RET") == "returned"
    record(event(replacement.number, "delivered", 12))
    assert _stored_status(app, "PO-RET") == "delivered"


def test_a_cancelled_order_stays_cancelled_when_its_shipments_come_back(
    app, make_user, make_order, make_shipment, record
):
    """The shop's "cancelled" wins over returned shipments: badge only, no progress."""
    owner = make_user()
    make_order(owner, "PO-CAN", status="cancelled")
    shipment = make_shipment(owner, order="PO-CAN")
    _ship_and_return(record, [shipment.number])
    assert _stored_status(app, "PO-CAN") == "cancelled"
    card = _order_card(logged_in(app, owner).get("/account/orders").text, "PO-CAN")
    assert ">Cancelled</span>" in card and _step_states(card) == []


def test_the_company_may_set_returned_and_events_do_not_take_it_back(
    app, api, make_user, make_shipment, record
):
    """PUT with "returned" is stored and read back; a shipment still moving leaves it."""
    owner = make_user()
    body = {**ORDER_BODY, "owner_email": owner.email, "status": "returned"}
    response = api("put", "/api/v1/orders/PO-SHOP", json=body)
    assert response.status_code == 201 and response.json["status"] == "returned"
    shipment = make_shipment(owner, order="PO-SHOP")
    record(event(shipment.number, "in_transit", 2))
    assert api("get", "/api/v1/orders/PO-SHOP").json["status"] == "returned"
    back = api("put", "/api/v1/orders/PO-SHOP", json={**body, "status": "shipped"})
    assert back.status_code == 200 and back.json["status"] == "shipped"


@pytest.mark.parametrize("status", ["lost", "Returned", "", None, 3])
def test_a_bad_order_status_is_a_422_naming_the_field(app, api, make_user, status):
    """An unknown status is refused by name, and the order is not stored."""
    owner = make_user()
    body = {**ORDER_BODY, "owner_email": owner.email, "status": status}
    response = api("put", "/api/v1/orders/PO-BAD", json=body)
    assert response.status_code == 422
    assert [field["field"] for field in response.json["error"]["fields"]] == ["status"]
    assert _stored_status(app, "PO-BAD") is None


def test_the_openapi_document_knows_returned_and_reading_an_order(client):
    """The order schemas list "returned" as a status; the order path can be read."""
    document = client.get("/api/openapi.json").json
    assert "get" in document["paths"]["/api/v1/orders/{number}"]
    schemas = document["components"]["schemas"]
    for name in ("OrderIn", "OrderOut"):
        status = schemas[name]["properties"]["status"]
        enum_ = status.get("enum") or schemas[status["$ref"].rsplit("/", 1)[-1]]["enum"]
        assert "returned" in enum_, name
