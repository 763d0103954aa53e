"""How an event changes a shipment: the status rules, with no database in sight.

Events are applied in the order they happened, not the order they arrive:

1. the status follows the latest event; an event older than the one that set the status
   joins the timeline and changes nothing;
2. delivered and returned are final: after delivered only a later "returned" counts, and
   after returned nothing does; a delivery or return that arrives late still finalises a
   shipment that was not final yet;
3. "label created" never moves a shipment that has already moved beyond it;
4. an estimated delivery date is taken from the newest event that carries one.

An event that moves the status (or changes the estimate) is what alerts are sent for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from tracking.codes import ALERT_FOR_CODE, FINAL, AlertKind, EventCode


@dataclass
class ShipmentState:
    """The parts of a shipment the rules read and write."""

    status: str
    status_at: datetime | None
    estimated_delivery: date | None
    eta_set_at: datetime | None
    delivered_at: datetime | None
    last_event_at: datetime | None
    last_event_code: str | None = None
    last_location: str | None = None
    last_description: str | None = None


@dataclass(frozen=True)
class EventFacts:
    code: str
    occurred_at: datetime
    location: str
    description: str
    estimated_delivery: date | None = None


@dataclass(frozen=True)
class Outcome:
    moved: bool  # the event set the status
    eta_changed: bool
    alert_kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def changed_anything(self) -> bool:
        return self.moved or self.eta_changed


def moves_status(state: ShipmentState, code: str, occurred_at: datetime) -> bool:
    if state.status == EventCode.RETURNED:
        return False
    newer = state.status_at is None or occurred_at >= state.status_at
    if state.status == EventCode.DELIVERED:
        return code == EventCode.RETURNED and newer
    if code in FINAL:
        return True
    if code == EventCode.LABEL_CREATED and state.status != EventCode.LABEL_CREATED:
        return False
    return newer


def apply_event(state: ShipmentState, event: EventFacts) -> Outcome:
    """Change `state` in place for one new event; say what happened, for alerts."""
    moved = moves_status(state, event.code, event.occurred_at)
    if moved:
        state.status = event.code
        state.status_at = event.occurred_at
        if event.code == EventCode.DELIVERED:
            state.delivered_at = event.occurred_at
    if state.last_event_at is None or event.occurred_at >= state.last_event_at:
        state.last_event_at = event.occurred_at
        state.last_event_code = event.code
        state.last_location = event.location
        state.last_description = event.description

    eta_changed = False
    if event.estimated_delivery is not None and (
        state.eta_set_at is None or event.occurred_at >= state.eta_set_at
    ):
        state.eta_set_at = event.occurred_at
        if state.status not in FINAL and event.estimated_delivery != state.estimated_delivery:
            state.estimated_delivery = event.estimated_delivery
            eta_changed = True

    kinds: set[str] = set()
    if moved and event.code in ALERT_FOR_CODE:
        kinds.add(ALERT_FOR_CODE[EventCode(event.code)])
    if eta_changed:
        kinds.add(AlertKind.ETA_CHANGED)
    return Outcome(moved=moved, eta_changed=eta_changed, alert_kinds=frozenset(kinds))
