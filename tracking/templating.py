"""What tracking templates (pages and emails) use to show codes, dates and progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date

from tracking import bp
from tracking.codes import (
    ALERT_LABELS,
    ORDER_LABELS,
    ORDER_STEPS,
    STATUS_LABELS,
    STEP_OF,
    STEPS,
    TROUBLE,
    EventCode,
    OrderStatus,
    status_label,
    status_tone,
)


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current", "trouble" or "todo"
    note: str = ""


@bp.app_template_filter("tracking_status")
def tracking_status(code: str | None) -> str:
    return status_label(code) if code else ""


@bp.app_template_filter("tracking_tone")
def tracking_tone(code: str | None) -> str:
    return status_tone(code) if code else "plain"


@bp.app_template_filter("alert_label")
def alert_label(kind: str) -> str:
    return str(ALERT_LABELS.get(kind, kind))  # type: ignore[call-overload]


@bp.app_template_filter("order_status")
def order_status(status: str) -> str:
    return str(ORDER_LABELS.get(status, status))  # type: ignore[call-overload]


@bp.app_template_filter("tracking_date")
def tracking_date(value: date | None, style: str = "medium") -> str:
    return format_date(value, style) if value else ""


@bp.app_template_global("tracking_progress")
def tracking_progress(status: str) -> list[Step]:
    """The five steps of the progress picture, with a problem marked where it happened."""
    code = EventCode(status)
    reached = STEP_OF[code]
    steps = []
    for index, step in enumerate(STEPS):
        if index < reached or (index == reached and code == EventCode.DELIVERED):
            state = "done"
        elif index == reached:
            state = "trouble" if code in TROUBLE else "current"
        else:
            state = "todo"
        note = str(STATUS_LABELS[code]) if state == "trouble" else ""
        steps.append(Step(str(STATUS_LABELS[step]), state, note))
    return steps


@bp.app_template_global("order_progress")
def order_progress(status: str) -> list[Step]:
    """Placed → processing → shipped → delivered; a cancelled order has no progress.

    A returned order never reached Delivered: as a carrier's page marks a parcel sent back
    where it turned round, the Shipped step carries the trouble mark and the word Returned.
    """
    if status == OrderStatus.CANCELLED:
        return []
    returned = status == OrderStatus.RETURNED
    reached = ORDER_STEPS.index(OrderStatus.SHIPPED if returned else OrderStatus(status))
    steps = []
    for index, step in enumerate(ORDER_STEPS):
        note = ""
        if index < reached or (index == reached and step == OrderStatus.DELIVERED):
            state = "done"
        elif index == reached and returned:
            state, note = "trouble", str(ORDER_LABELS[OrderStatus.RETURNED])
        elif index == reached:
            state = "current"
        else:
            state = "todo"
        steps.append(Step(str(ORDER_LABELS[step]), state, note))
    return steps
