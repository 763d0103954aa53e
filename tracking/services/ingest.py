"""Storing tracking events: the one road for the API, the simulator and the demo data.

A batch is one transaction: its events, the shipments' new statuses, the orders' progress,
the alert emails (outbox rows), the live-update log and the live pushes commit together or
not at all. The work is set-based, a handful of statements per batch whatever its size:

1. resolve the tracking numbers (an unknown one rejects the batch, naming each item), and
   on PostgreSQL lock those shipments FOR NO KEY UPDATE in id order before anything else;
2. insert the events with ON CONFLICT DO NOTHING on (sender, shipment, the sender's event
   id), in a fixed order, so that duplicates, retries and concurrent batches store each
   event once, while another sender's or another shipment's `seq-1` is another event (on
   SQLite this first write also takes the database's write lock);
3. read the touched shipments (already locked), apply the status rules to each one's new
   events in the order they happened, and write them back in one executemany;
4. move their orders along, queue the alerts and the live pushes, log the changes, commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, select, update

from community.accounts.models import User
from community.db import utcnow
from community.errors import InvalidInput
from community.extensions import db, insert_ignoring_conflicts
from community.transactions import retry_on_conflict
from tracking import live
from tracking.codes import FINAL, EventCode, OrderStatus, split_kinds
from tracking.models import AlertContact, Order, Shipment, TrackingEvent, event_sender
from tracking.rules import EventFacts, Outcome, ShipmentState, apply_event
from tracking.schemas import EventIn
from tracking.services.alerts import Alert, Contact, Owner, queue_alerts

_STATE_FIELDS = (
    "status",
    "status_at",
    "estimated_delivery",
    "eta_set_at",
    "delivered_at",
    "last_event_at",
    "last_event_code",
    "last_location",
    "last_description",
)

# How an order ended: ingest moves it between these, never back to shipped.
_ORDER_FINAL = frozenset({OrderStatus.DELIVERED, OrderStatus.RETURNED})
# A new event of a shipment, in the order it is applied: (when, index in batch, pk, event).
_NewEvent = tuple[datetime, int, int, EventIn]
# What makes an event of one batch (one sender) unique: (shipment id, sender's event id).
_EventKey = tuple[int, str]


class IngestRejected(InvalidInput):
    """Some events of a batch cannot be used, so none are stored.

    Unlike other refusals it names many items: each problem carries the item's `index`,
    `field`, `reason` and `message`, and the API answers with all of them at once.
    """

    def __init__(self, problems: list[dict[str, Any]], total: int) -> None:
        self.problems = sorted(problems, key=lambda problem: problem["index"])
        super().__init__(
            _(
                "%(count)d of %(total)d events were rejected, so none were stored. "
                "Fix them and send the batch again.",
                count=len({problem["index"] for problem in problems}),
                total=total,
            )
        )


@dataclass(frozen=True)
class _Draft:
    """An event that is news, waiting for its recipients."""

    event_pk: int
    shipment: Row[Any]
    facts: EventFacts
    outcome: Outcome
    estimated_delivery: date | None


@dataclass(frozen=True)
class IngestResult:
    received: int
    stored: int
    duplicates: int
    alerts_queued: int


def _shipment_ids(numbers: set[str]) -> dict[str, int]:
    if not numbers:
        return {}
    return dict(
        db.session.execute(
            select(Shipment.tracking_number, Shipment.id).where(
                Shipment.tracking_number.in_(numbers)
            )
        ).all()
    )


def _unknown_problems(
    numbered: Sequence[tuple[int, str]], known: Container[str]
) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "field": f"events[{index}].tracking_number",
            "reason": "unknown_tracking_number",
            "message": _("No shipment has this tracking number."),
        }
        for index, number in numbered
        if number not in known
    ]


def unknown_number_problems(numbered: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """A problem for each (index, tracking number) that no shipment has."""
    return _unknown_problems(numbered, _shipment_ids({number for _index, number in numbered}))


@retry_on_conflict
def record_events(
    events: Sequence[EventIn], *, api_token_id: int | None = None, notify: bool = True
) -> IngestResult:
    """Store new events, move statuses forward, queue alerts and live pushes — all in one
    transaction; the pushes go out once it commits.

    The API token is the sender: an event id repeats only within one token and shipment.
    Without a token the portal itself (simulator, demo data) is the sender. A deadlock or
    serialization failure runs the batch again; past a few attempts it raises `Busy` (503).
    """
    try:
        result = _record(events, api_token_id=api_token_id, notify=notify)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def _record(events: Sequence[EventIn], *, api_token_id: int | None, notify: bool) -> IngestResult:
    # Step 1: every number must be known; then the first of several events with one id on
    # one shipment counts, the rest are duplicates.
    shipment_ids = _shipment_ids({event.tracking_number for event in events})
    problems = _unknown_problems(
        [(index, event.tracking_number) for index, event in enumerate(events)], shipment_ids
    )
    if problems:
        raise IngestRejected(problems, len(events))
    firsts: dict[_EventKey, tuple[int, EventIn]] = {}
    for index, event in enumerate(events):
        firsts.setdefault((shipment_ids[event.tracking_number], event.event_id), (index, event))
    _lock_shipments(sorted(set(shipment_ids.values())))

    # Step 2: insert what is new; the database says which ones those were.
    now = utcnow()
    stored = _insert_new(firsts, event_sender(api_token_id), api_token_id, now)
    received = len(events)
    if not stored:
        return IngestResult(received, 0, received, 0)

    # Step 3: lock the touched shipments and apply their new events in time order.
    new_by_shipment: dict[int, list[_NewEvent]] = defaultdict(list)
    for key, pk in stored.items():
        index, event = firsts[key]
        new_by_shipment[key[0]].append((event.occurred_at, index, pk, event))
    drafts, changes = _apply(new_by_shipment, now)

    # Step 4: alerts and live pushes in this same transaction, with the live-update log.
    queued = queue_alerts(_build_alerts(drafts)) if notify and drafts else 0
    live.announce(changes)
    return IngestResult(received, len(stored), received - len(stored), queued)


def _insert_new(
    firsts: dict[_EventKey, tuple[int, EventIn]],
    sender: str,
    api_token_id: int | None,
    now: datetime,
) -> dict[_EventKey, int]:
    """Insert the events this sender has not stored yet; their keys with new primary keys.

    Rows go in sorted by key, so concurrent batches take the unique index's locks in the
    same order and wait for each other instead of deadlocking.
    """
    rows = [
        {
            "shipment_id": shipment_id,
            "sender": sender,
            "sender_event_id": event_id,
            "code": event.code.value,
            "occurred_at": event.occurred_at,
            "location": event.location,
            "description": event.description,
            "estimated_delivery": event.estimated_delivery,
            "received_at": now,
            "api_token_id": api_token_id,
        }
        for (shipment_id, event_id), (_index, event) in sorted(firsts.items())
    ]
    if not rows:
        return {}
    table = TrackingEvent.__table__
    statement = insert_ignoring_conflicts(
        table, ["sender", "shipment_id", "sender_event_id"]
    ).returning(table.c.id, table.c.shipment_id, table.c.sender_event_id)
    return {
        (shipment_id, event_id): pk
        for pk, shipment_id, event_id in db.session.execute(statement, rows)
    }


def _apply(
    new_by_shipment: dict[int, list[_NewEvent]], now: datetime
) -> tuple[list[_Draft], list[live.Change]]:
    """Apply each locked shipment's new events; write the states back, move the orders."""
    updates = []
    drafts: list[_Draft] = []
    changes = []
    moved_orders: set[int] = set()
    for row in _read_shipments(sorted(new_by_shipment)):
        state = ShipmentState(**{name: getattr(row, name) for name in _STATE_FIELDS})
        for _at, _index, pk, event in sorted(new_by_shipment[row.id], key=lambda item: item[:2]):
            facts = EventFacts(
                code=event.code.value,
                occurred_at=event.occurred_at,
                location=event.location,
                description=event.description,
                estimated_delivery=event.estimated_delivery,
            )
            outcome = apply_event(state, facts)
            if outcome.alert_kinds:
                drafts.append(_Draft(pk, row, facts, outcome, state.estimated_delivery))
            if outcome.moved and row.order_id is not None:
                moved_orders.add(row.order_id)
        version = row.version + 1
        updates.append(
            {"b_id": row.id, "b_version": version, "b_updated_at": now}
            | {f"b_{name}": getattr(state, name) for name in _STATE_FIELDS}
        )
        changes.append(live.Change(row.tracking_number, version, state.status))
    _write_states(updates)
    if moved_orders:
        _advance_orders(moved_orders, now)
    return drafts, changes


def _write_states(updates: list[dict[str, Any]]) -> None:
    """Every touched shipment's new state and version, in one executemany."""
    db.session.execute(
        update(Shipment.__table__)
        .where(Shipment.__table__.c.id == bindparam("b_id"))
        .values(
            version=bindparam("b_version"),
            updated_at=bindparam("b_updated_at"),
            **{name: bindparam(f"b_{name}") for name in _STATE_FIELDS},
        ),
        updates,
        execution_options={"synchronize_session": False},
    )


def _lock_shipments(ids: list[int]) -> None:
    """Lock the batch's shipments in id order before anything else touches them (PostgreSQL).

    FOR NO KEY UPDATE does not conflict with the KEY SHARE locks that inserting events takes
    through their foreign key, so a concurrent batch waits here, at its first lock, and never
    halfway through its inserts: two batches on the same shipments queue instead of
    deadlocking. SQLite's single writer needs no row locks.
    """
    if db.session.get_bind().dialect.name != "postgresql" or not ids:
        return
    table = Shipment.__table__
    db.session.execute(
        select(table.c.id)
        .where(table.c.id.in_(ids))
        .order_by(table.c.id)
        .with_for_update(key_share=True)
    ).all()


def _read_shipments(ids: list[int]) -> list[Row[Any]]:
    """The locked shipments' state and owner, for the status rules and the alerts."""
    table = Shipment.__table__
    statement = (
        select(
            table.c.id,
            table.c.tracking_number,
            table.c.carrier,
            table.c.order_id,
            table.c.owner_alerts,
            table.c.version,
            *(table.c[name] for name in _STATE_FIELDS),
            User.email.label("owner_email"),
            User.display_name.label("owner_name"),
            User.locale.label("owner_locale"),
            User.timezone.label("owner_timezone"),
        )
        .join(User, User.id == table.c.owner_id)
        .where(table.c.id.in_(ids))
        .order_by(table.c.id)
    )
    return list(db.session.execute(statement).all())


def _order_status_from(shipment_statuses: list[str]) -> OrderStatus | None:
    """What an order's shipments say of it; None while none has moved past its label."""
    if all(status in FINAL for status in shipment_statuses):
        if EventCode.DELIVERED in shipment_statuses:
            return OrderStatus.DELIVERED
        return OrderStatus.RETURNED
    if any(status != EventCode.LABEL_CREATED for status in shipment_statuses):
        return OrderStatus.SHIPPED
    return None


def _advance_orders(order_ids: set[int], now: datetime) -> None:
    """Move orders along with their shipments, as a shop's order page reads.

    An order is shipped once a shipment is picked up. Once every shipment is final it is
    delivered if at least one of them was delivered (what arrived counts; the rest is a
    partial return the shop settles), and returned if all of them came back. After delivery
    only a return can follow (see `tracking.rules`), so a delivered order becomes returned
    when its last delivered shipment is returned, and a returned one becomes delivered when
    a shipment added to it later is delivered.

    The company's system stays in charge: a cancelled order is left as it is, and an order
    marked delivered or returned never goes back to shipped because some shipment of it
    still travels; only the final word of all its shipments moves it between the two.
    """
    rows = db.session.execute(
        select(Order.id, Order.status, Shipment.status.label("shipment_status"))
        .join(Shipment, Shipment.order_id == Order.id)
        .where(Order.id.in_(order_ids))
        .order_by(Order.id)
    ).all()
    statuses: dict[int, tuple[str, list[str]]] = {}
    for row in rows:
        statuses.setdefault(row.id, (row.status, []))[1].append(row.shipment_status)
    changes = []
    for order_id, (current, shipment_statuses) in statuses.items():
        wanted = _order_status_from(shipment_statuses)
        if wanted is None or wanted == current or current == OrderStatus.CANCELLED:
            continue
        if current in _ORDER_FINAL and wanted not in _ORDER_FINAL:
            continue
        changes.append({"b_id": order_id, "b_status": wanted.value, "b_updated_at": now})
    if changes:
        table = Order.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), updated_at=bindparam("b_updated_at")),
            changes,
            execution_options={"synchronize_session": False},
        )


def _build_alerts(drafts: list[_Draft]) -> list[Alert]:
    """Attach owner and contacts to each alert; one query for every contact of the batch."""
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for row in db.session.execute(
        select(AlertContact.shipment_id, AlertContact.name, AlertContact.email, AlertContact.events)
        .where(AlertContact.shipment_id.in_({draft.shipment.id for draft in drafts}))
        .order_by(AlertContact.id)
    ):
        contacts[row.shipment_id].append(Contact(row.name, row.email, split_kinds(row.events)))
    return [
        Alert(
            event_pk=draft.event_pk,
            shipment_id=draft.shipment.id,
            number=draft.shipment.tracking_number,
            carrier=draft.shipment.carrier,
            facts=draft.facts,
            moved=draft.outcome.moved,
            kinds=draft.outcome.alert_kinds,
            estimated_delivery=draft.estimated_delivery,
            owner=Owner(
                email=draft.shipment.owner_email,
                display_name=draft.shipment.owner_name,
                locale=draft.shipment.owner_locale,
                timezone=draft.shipment.owner_timezone,
            ),
            owner_kinds=split_kinds(draft.shipment.owner_alerts),
            contacts=tuple(contacts[draft.shipment.id]),
        )
        for draft in drafts
    ]
