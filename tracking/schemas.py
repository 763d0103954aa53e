"""The JSON API's shapes: what the company's systems send and what they get back.

Pydantic validates each request and names every bad field; the same models give the
JSON schemas that `/api/openapi.json` publishes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
)

from community.db import utcnow
from tracking.codes import AlertKind, EventCode, OrderStatus
from tracking.numbers import NUMBER_PATTERN, normalise_number

MAX_BATCH = 500
# Carrier clocks drift; an event further in the future than this is a mistake.
FUTURE_TOLERANCE = timedelta(hours=1)


def _iso_time(value: Any) -> datetime:
    """ISO 8601 text with a time zone; numbers and zone-less times are refused."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("not an ISO 8601 date and time") from exc
    else:
        raise ValueError("give an ISO 8601 date and time as text")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("needs a time zone, such as Z or +08:00")
    return parsed


def _not_in_future(value: datetime) -> datetime:
    if value > utcnow() + FUTURE_TOLERANCE:
        raise ValueError("is in the future")
    return value


def _number(value: str) -> str:
    value = normalise_number(value)
    if not NUMBER_PATTERN.match(value):
        raise ValueError("use 4 to 40 letters, digits or dashes")
    return value


AwareTime = Annotated[
    datetime,
    BeforeValidator(_iso_time),
    Field(json_schema_extra={"format": "date-time", "examples": ["2026-11-24T09:30:00+08:00"]}),
]
EventTime = Annotated[AwareTime, AfterValidator(_not_in_future)]
Number = Annotated[
    str,
    Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$"),
    AfterValidator(_number),
]
Text120 = Annotated[str, Field(max_length=120)]
ORDER_STATUS_RULES = (
    "Yours to set, and moved along by the shipments' events: shipped once a shipment is "
    "picked up; once every shipment is delivered or returned, delivered if any was "
    "delivered, returned if all came back. Events never change a cancelled order, nor take "
    "a delivered or returned one back to shipped."
)


class _In(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class EventIn(_In):
    """One tracking event as a carrier reports it."""

    tracking_number: Number
    event_id: str = Field(
        min_length=1,
        max_length=100,
        description=(
            "Your own id for the event, unique per shipment: sent again with the same token "
            "for the same shipment it is a duplicate; another shipment or token may reuse it."
        ),
    )
    code: EventCode
    occurred_at: EventTime
    location: str = Field(min_length=1, max_length=120)
    description: str = Field(max_length=500)
    estimated_delivery: date | None = None


class EventBatchIn(_In):
    """Up to 500 events, stored all together or not at all."""

    events: list[EventIn] = Field(max_length=MAX_BATCH)


class ContactIn(_In):
    name: str = Field(min_length=1, max_length=80)
    email: EmailStr = Field(max_length=254)
    events: list[AlertKind] = Field(min_length=1)


class ShipmentIn(_In):
    """A new shipment, with up to three people to alert besides its owner."""

    tracking_number: Number
    carrier: str = Field(min_length=1, max_length=60)
    order_number: Number | None = None
    owner_email: EmailStr = Field(max_length=254)
    estimated_delivery: date | None = None
    origin: Text120 | None = None
    destination: Text120 | None = None
    delivery_address: str | None = Field(default=None, max_length=300)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class ItemIn(_In):
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=1_000_000)


class MoneyIn(_In):
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")


class OrderIn(_In):
    """An order as the shop knows it: created on first PUT, replaced on the next."""

    owner_email: EmailStr = Field(max_length=254)
    status: OrderStatus = Field(description=ORDER_STATUS_RULES)
    placed_at: AwareTime
    items: list[ItemIn] = Field(max_length=500)
    total: MoneyIn


class EventOut(BaseModel):
    event_id: str = Field(
        description="The sender's own id: two senders' events may share one on a shipment."
    )
    code: EventCode
    occurred_at: datetime
    location: str
    description: str
    estimated_delivery: date | None = None


class ContactOut(BaseModel):
    name: str
    email: str
    events: list[AlertKind]


class ShipmentOut(BaseModel):
    tracking_number: str
    carrier: str
    status: EventCode
    status_at: datetime | None
    estimated_delivery: date | None
    delivered_at: datetime | None
    order_number: str | None
    owner_email: str
    origin: str | None
    destination: str | None
    delivery_address: str | None
    contacts: list[ContactOut]
    events: list[EventOut]
    created_at: datetime


class OrderOut(BaseModel):
    number: str
    owner_email: str
    status: OrderStatus = Field(description=ORDER_STATUS_RULES)
    placed_at: datetime
    items: list[dict[str, Any]]
    total: dict[str, str]
    shipments: list[str]
    created: bool


class IngestOut(BaseModel):
    received: int
    stored: int
    duplicates: int
    alerts_queued: int


def problem_reason(error: dict[str, Any]) -> str:
    """The short reason a rejected event item carries, from pydantic's error."""
    loc = error.get("loc") or ()
    field = loc[0] if loc else ""
    if error.get("type") == "missing":
        return "missing_field"
    if field == "code":
        return "unknown_code"
    if field in ("occurred_at", "estimated_delivery"):
        return "bad_time"
    if field == "tracking_number":
        return "bad_tracking_number"
    return "invalid"


def item_problems(index: int, error: ValidationError) -> list[dict[str, Any]]:
    """Every problem of one event item, each naming the item's index and field."""
    problems = []
    for item in error.errors(include_url=False, include_context=False, include_input=False):
        loc = tuple(item["loc"])
        field = ".".join(str(part) for part in loc) or "body"
        problems.append(
            {
                "index": index,
                "field": f"events[{index}].{field}",
                "reason": problem_reason(item),
                "message": item["msg"],
            }
        )
    return problems
