"""The tracking vocabulary: event codes, statuses, alert choices and their labels.

Codes are what carriers send; the status of a shipment is the code of the event that
last moved it. Alert choices group codes the way a person thinks about them.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class EventCode(enum.StrEnum):
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    ATTEMPT_FAILED = "attempt_failed"
    RETURNED = "returned"


class AlertKind(enum.StrEnum):
    SHIPPED = "shipped"
    EXCEPTION = "exception"
    ETA_CHANGED = "eta_changed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"


EVENT_CODES = frozenset(code.value for code in EventCode)
ALERT_KINDS = tuple(kind.value for kind in AlertKind)
ORDER_STATUSES = tuple(status.value for status in OrderStatus)

# Final statuses: after delivered only a later "returned" counts; after returned, nothing.
FINAL = frozenset({EventCode.DELIVERED, EventCode.RETURNED})
# Events that mean something needs attention: the page offers help articles for them.
TROUBLE = frozenset({EventCode.EXCEPTION, EventCode.ATTEMPT_FAILED, EventCode.RETURNED})

# The progress picture: five steps, and the step each code belongs to.
STEPS = (
    EventCode.LABEL_CREATED,
    EventCode.PICKED_UP,
    EventCode.IN_TRANSIT,
    EventCode.OUT_FOR_DELIVERY,
    EventCode.DELIVERED,
)
STEP_OF = {
    EventCode.LABEL_CREATED: 0,
    EventCode.PICKED_UP: 1,
    EventCode.IN_TRANSIT: 2,
    EventCode.EXCEPTION: 2,
    EventCode.OUT_FOR_DELIVERY: 3,
    EventCode.ATTEMPT_FAILED: 3,
    EventCode.DELIVERED: 4,
    EventCode.RETURNED: 2,
}

# Which alert choice an event that moves the status belongs to.
ALERT_FOR_CODE = {
    EventCode.PICKED_UP: AlertKind.SHIPPED,
    EventCode.EXCEPTION: AlertKind.EXCEPTION,
    EventCode.ATTEMPT_FAILED: AlertKind.EXCEPTION,
    EventCode.RETURNED: AlertKind.EXCEPTION,
    EventCode.OUT_FOR_DELIVERY: AlertKind.OUT_FOR_DELIVERY,
    EventCode.DELIVERED: AlertKind.DELIVERED,
}

STATUS_LABELS = {
    EventCode.LABEL_CREATED: _l("Label created"),
    EventCode.PICKED_UP: _l("Picked up"),
    EventCode.IN_TRANSIT: _l("In transit"),
    EventCode.OUT_FOR_DELIVERY: _l("Out for delivery"),
    EventCode.DELIVERED: _l("Delivered"),
    EventCode.EXCEPTION: _l("Exception"),
    EventCode.ATTEMPT_FAILED: _l("Delivery attempt failed"),
    EventCode.RETURNED: _l("Returned to sender"),
}

ALERT_LABELS = {
    AlertKind.SHIPPED: _l("Shipped (picked up by the carrier)"),
    AlertKind.EXCEPTION: _l("A problem: exception, failed delivery attempt or return"),
    AlertKind.ETA_CHANGED: _l("Estimated delivery changed"),
    AlertKind.OUT_FOR_DELIVERY: _l("Out for delivery"),
    AlertKind.DELIVERED: _l("Delivered"),
}

ORDER_LABELS = {
    OrderStatus.PLACED: _l("Placed"),
    OrderStatus.PROCESSING: _l("Processing"),
    OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.DELIVERED: _l("Delivered"),
    OrderStatus.RETURNED: _l("Returned"),
    OrderStatus.CANCELLED: _l("Cancelled"),
}
ORDER_STEPS = (
    OrderStatus.PLACED,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def status_label(code: str) -> str:
    label = STATUS_LABELS.get(code)  # type: ignore[call-overload]
    return str(label) if label is not None else code


def status_tone(code: str) -> str:
    """The badge colour a status wears: ok, warn, bad or plain."""
    if code == EventCode.DELIVERED:
        return "ok"
    if code in TROUBLE:
        return "bad"
    if code == EventCode.OUT_FOR_DELIVERY:
        return "warn"
    return "plain"


def split_kinds(stored: str | None) -> frozenset[str]:
    """Alert choices are stored comma-separated: 'shipped,delivered'."""
    return frozenset(part for part in (stored or "").split(",") if part in ALERT_KINDS)


def join_kinds(kinds: set[str] | frozenset[str] | list[str] | tuple[str, ...]) -> str:
    """Stored in a fixed order, so equal choices compare equal as text."""
    chosen = set(kinds)
    return ",".join(kind for kind in ALERT_KINDS if kind in chosen)
