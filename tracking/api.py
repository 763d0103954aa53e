"""The tracking JSON API under /api/v1, for the company's order and logistics systems.

Routes parse the body and call a service; a service's refusal (a core domain error) becomes
the JSON error by itself. `OPENAPI_PATHS` and `OPENAPI_SCHEMAS` describe these routes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from community.api import (
    BEARER,
    ApiError,
    api_limit,
    component_schemas,
    error_response,
    json_body,
    json_request_body,
    json_response,
    parse_body,
    schema_ref,
    token_required,
)
from community.errors import NotFound
from tracking import services
from tracking.codes import split_kinds
from tracking.models import Order, Shipment
from tracking.numbers import is_valid_number, normalise_number
from tracking.schemas import (
    MAX_BATCH,
    ContactOut,
    EventBatchIn,
    EventIn,
    EventOut,
    IngestOut,
    OrderIn,
    OrderOut,
    ShipmentIn,
    ShipmentOut,
    item_problems,
)

bp = Blueprint("tracking_api", __name__, url_prefix="/api/v1")


def _number_or_422(raw: str, field: str) -> str:
    number = normalise_number(raw)
    if not is_valid_number(number):
        raise ApiError(
            422,
            _("Some fields are missing or not valid."),
            [{"field": field, "message": _("Use 4 to 40 letters, digits or dashes.")}],
        )
    return number


def order_out(order: Order, created: bool) -> dict[str, Any]:
    return OrderOut(
        number=order.number,
        owner_email=order.owner.email,
        status=order.status,  # type: ignore[arg-type]
        placed_at=order.placed_at,
        items=order.items,
        total={"amount": f"{order.total_amount:.2f}", "currency": order.currency},
        shipments=[shipment.tracking_number for shipment in order.shipments],
        created=created,
    ).model_dump(mode="json")


def shipment_out(shipment: Shipment) -> dict[str, Any]:
    events = sorted(services.timeline(shipment), key=lambda event: (event.occurred_at, event.id))
    return ShipmentOut(
        tracking_number=shipment.tracking_number,
        carrier=shipment.carrier,
        status=shipment.status,  # type: ignore[arg-type]
        status_at=shipment.status_at,
        estimated_delivery=shipment.estimated_delivery,
        delivered_at=shipment.delivered_at,
        order_number=shipment.order.number if shipment.order else None,
        owner_email=shipment.owner.email,
        origin=shipment.origin,
        destination=shipment.destination,
        delivery_address=shipment.delivery_address,
        contacts=[
            ContactOut(
                name=contact.name, email=contact.email, events=sorted(split_kinds(contact.events))
            )  # type: ignore[arg-type]
            for contact in shipment.contacts
        ],
        events=[
            EventOut(
                event_id=event.sender_event_id,
                code=event.code,  # type: ignore[arg-type]
                occurred_at=event.occurred_at,
                location=event.location,
                description=event.description,
                estimated_delivery=event.estimated_delivery,
            )
            for event in events
        ],
        created_at=shipment.created_at,
    ).model_dump(mode="json")


@bp.put("/orders/<number>")
@api_limit
@token_required
def put_order(number: str):
    number = _number_or_422(number, "number")
    order, created = services.upsert_order(number, parse_body(OrderIn))
    return jsonify(order_out(order, created)), 201 if created else 200


@bp.get("/orders/<number>")
@api_limit
@token_required
def get_order(number: str):
    order = services.find_order(number)
    if order is None:
        raise NotFound(_("There is no order with this number."))
    return jsonify(order_out(order, created=False))


@bp.post("/shipments")
@api_limit
@token_required
def post_shipment():
    shipment = services.register_shipment(parse_body(ShipmentIn))
    response = jsonify(shipment_out(shipment))
    response.status_code = 201
    response.headers["Location"] = url_for(
        "tracking_api.get_shipment", number=shipment.tracking_number
    )
    return response


@bp.get("/shipments/<number>")
@api_limit
@token_required
def get_shipment(number: str):
    shipment = services.find_shipment(number)
    if shipment is None:
        raise NotFound(_("No shipment has this tracking number."))
    return jsonify(shipment_out(shipment))


def _event_items(body: Any) -> list[Any]:
    """One event, or {"events": [...]} with 1 to 500 of them."""
    if isinstance(body, dict) and "events" in body:
        items = body["events"]
        if not isinstance(items, list) or not items:
            raise ApiError(
                422,
                _("Some fields are missing or not valid."),
                [{"field": "events", "message": _("Give a list of 1 to 500 events.")}],
            )
        if len(items) > MAX_BATCH:
            raise ApiError(
                413,
                _(
                    "A batch holds at most %(max)d events; this one has %(count)d. "
                    "Split it and send the parts.",
                    max=MAX_BATCH,
                    count=len(items),
                ),
            )
        return items
    if isinstance(body, dict):
        return [body]
    raise ApiError(
        422,
        _("Some fields are missing or not valid."),
        [{"field": "body", "message": _('Send one event object, or {"events": [...]}.')}],
    )


def _parse_events(items: list[Any]) -> list[EventIn]:
    """Every item as an event; one bad item rejects the batch, naming every problem in it.

    Unknown numbers among the good items are named too, so one answer lists them all.
    """
    events: list[EventIn] = []
    indexes: list[int] = []
    problems: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            events.append(EventIn.model_validate(item))
            indexes.append(index)
        except ValidationError as error:
            problems.extend(item_problems(index, error))
    if problems:
        numbered = [(i, event.tracking_number) for i, event in zip(indexes, events, strict=True)]
        raise services.IngestRejected(
            problems + services.unknown_number_problems(numbered), len(items)
        )
    return events


@bp.post("/tracking/events")
@api_limit
@token_required
def post_events():
    items = _event_items(json_body())
    try:
        result = services.record_events(_parse_events(items), api_token_id=g.api_token.id)
    except services.IngestRejected as rejected:  # the API's answer lists every problem
        raise ApiError(422, rejected.message, rejected.problems) from rejected
    return jsonify(
        IngestOut(
            received=result.received,
            stored=result.stored,
            duplicates=result.duplicates,
            alerts_queued=result.alerts_queued,
        ).model_dump()
    )


OPENAPI_SCHEMAS = component_schemas(
    [
        (EventIn, "validation"),
        (EventBatchIn, "validation"),
        (ShipmentIn, "validation"),
        (OrderIn, "validation"),
        (ShipmentOut, "serialization"),
        (OrderOut, "serialization"),
        (IngestOut, "serialization"),
    ]
)
SECURITY = BEARER
NUMBER_PARAMETER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{3,39}$"},
}
COMMON_ERRORS = {
    "401": error_response("Missing or wrong bearer token"),
    "415": error_response("The body is not JSON (Content-Type: application/json)"),
    "400": error_response("The body is not valid JSON"),
    "422": error_response("A field is missing or not valid; `fields` names each one"),
    "429": error_response("Too many requests for this token"),
}

ORDER_PATH = {
    "put": {
        "summary": "Create or replace an order",
        "tags": ["tracking"],
        "security": SECURITY,
        "parameters": [NUMBER_PARAMETER],
        "requestBody": json_request_body(schema_ref("OrderIn")),
        "responses": {
            "201": json_response(schema_ref("OrderOut"), "The order was created"),
            "200": json_response(schema_ref("OrderOut"), "The order was updated"),
            **COMMON_ERRORS,
        },
    },
    "get": {
        "summary": "An order, its status and its shipments' tracking numbers",
        "tags": ["tracking"],
        "security": SECURITY,
        "parameters": [NUMBER_PARAMETER],
        "responses": {
            "200": json_response(schema_ref("OrderOut"), "The order"),
            "401": COMMON_ERRORS["401"],
            "404": error_response("There is no order with this number"),
        },
    },
}

SHIPMENTS_PATH = {
    "post": {
        "summary": "Register a shipment, with up to three contacts to alert",
        "tags": ["tracking"],
        "security": SECURITY,
        "requestBody": json_request_body(schema_ref("ShipmentIn")),
        "responses": {
            "201": json_response(schema_ref("ShipmentOut"), "The shipment was registered"),
            "409": error_response("The tracking number is already registered"),
            **COMMON_ERRORS,
        },
    }
}

SHIPMENT_PATH = {
    "get": {
        "summary": "A shipment, its status and its events (oldest first)",
        "tags": ["tracking"],
        "security": SECURITY,
        "parameters": [NUMBER_PARAMETER],
        "responses": {
            "200": json_response(schema_ref("ShipmentOut"), "The shipment"),
            "401": COMMON_ERRORS["401"],
            "404": error_response("No shipment has this tracking number"),
        },
    }
}

EVENTS_PATH = {
    "post": {
        "summary": "Report one event, or a batch of up to 500 (all or nothing)",
        "description": (
            "Events are applied in the order they happened. An `event_id` is yours: "
            "unique per shipment and token. An event whose `event_id` this token already "
            "sent for the same shipment counts as a duplicate, not an error; the same id "
            "for another shipment, or from another token, is another event. A rejected batch "
            "stores nothing; each problem in `fields` carries the item's `index` and a "
            "`reason`: unknown_tracking_number, unknown_code, bad_time, missing_field, "
            "bad_tracking_number or invalid."
        ),
        "tags": ["tracking"],
        "security": SECURITY,
        "requestBody": json_request_body(
            {"oneOf": [schema_ref("EventIn"), schema_ref("EventBatchIn")]}
        ),
        "responses": {
            "200": json_response(schema_ref("IngestOut"), "Stored (new events) and counted"),
            "413": error_response("More than 500 events in one batch"),
            **COMMON_ERRORS,
        },
    }
}

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/orders/{number}": ORDER_PATH,
    "/api/v1/shipments": SHIPMENTS_PATH,
    "/api/v1/shipments/{number}": SHIPMENT_PATH,
    "/api/v1/tracking/events": EVENTS_PATH,
}
