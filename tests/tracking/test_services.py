"""Tracking services on a real database: status rules, duplicates, orders, contacts, alerts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.accounts.services import find_user_by_email
from community.errors import InvalidInput, NotFound
from community.extensions import db
from community.outbox.models import OutboxMessage
from community.outbox.services import opt_out
from tests.community.outbox_helpers import queued_to
from tests.tracking.conftest import at, counts, event
from tracking import services
from tracking.models import AlertContact, Order, TrackingEvent
from tracking.schemas import EventIn

ALL = ("shipped", "exception", "eta_changed", "out_for_delivery", "delivered")


def test_events_apply_in_the_order_they_happened_not_the_order_they_arrive(
    make_shipment, record, shipment_state
):
    """A batch sent newest first ends in the status of the newest event."""
    shipment = make_shipment()
    n = shipment.number
    record(event(n, "out_for_delivery", 3), event(n, "picked_up", 1), event(n, "in_transit", 2))
    state = shipment_state(n)
    assert state["status"] == "out_for_delivery"
    assert state["status_at"] == at(3)
    assert state["last_event_code"] == "out_for_delivery"


def test_a_late_older_event_joins_the_timeline_without_moving_the_status(
    app, make_shipment, record, shipment_state
):
    """In transit stays in transit when an older pick-up scan arrives afterwards."""
    shipment = make_shipment()
    record(event(shipment.number, "in_transit", 5))
    result = record(event(shipment.number, "picked_up", 1))
    assert result.stored == 1 and result.alerts_queued == 0
    state = shipment_state(shipment.number)
    assert state["status"] == "in_transit"
    with app.app_context():
        codes = db.session.scalars(
            select(TrackingEvent.code).order_by(TrackingEvent.occurred_at)
        ).all()
    assert codes == ["picked_up", "in_transit"]


def test_the_same_event_sent_twice_is_stored_once(app, make_shipment, record):
    """A repeated sender event id counts as a duplicate, also within one batch."""
    shipment = make_shipment()
    item = event(shipment.number, "picked_up", 1, event_id="carrier-1")
    first = record(item, item)
    second = record(item)
    assert (first.stored, first.duplicates) == (1, 1)
    assert (second.stored, second.duplicates) == (0, 1)
    assert counts(app)[0] == 1


def test_nothing_follows_delivered_except_a_later_return(make_shipment, record, shipment_state):
    """After delivery an in-transit scan is kept but ignored; a later return moves it."""
    shipment = make_shipment()
    record(event(shipment.number, "delivered", 5))
    record(event(shipment.number, "in_transit", 6))
    assert shipment_state(shipment.number)["status"] == "delivered"
    record(event(shipment.number, "returned", 9))
    state = shipment_state(shipment.number)
    assert state["status"] == "returned"
    assert state["delivered_at"] == at(5)


def test_an_unknown_tracking_number_rejects_the_whole_batch(app, make_shipment, record):
    """One bad number in a batch stores none of its events, and names the item."""
    shipment = make_shipment()
    with pytest.raises(services.IngestRejected) as rejected:
        record(event(shipment.number, "picked_up", 1), event("NOPE1234", "picked_up", 1))
    assert rejected.value.problems[0]["index"] == 1
    assert rejected.value.problems[0]["reason"] == "unknown_tracking_number"
    assert counts(app) == (0, 0)


def test_orders_follow_their_shipments(app, make_user, make_order, make_shipment, record):
    """An order is shipped once a shipment is picked up, delivered once all are delivered."""
    owner = make_user()
    order = make_order(owner, "PO-77")
    first = make_shipment(owner, order=order)
    second = make_shipment(owner, order=order)

    def status():
        with app.app_context():
            value = db.session.scalar(select(Order.status).where(Order.number == order))
            db.session.remove()
            return value

    record(event(first.number, "picked_up", 1))
    assert status() == "shipped"
    record(event(first.number, "delivered", 5))
    assert status() == "shipped"
    record(event(second.number, "delivered", 6))
    assert status() == "delivered"


def test_a_cancelled_order_stays_cancelled(app, make_user, make_order, make_shipment, record):
    """The shop's own "cancelled" is not overridden by a shipment moving."""
    owner = make_user()
    order = make_order(owner, "PO-78", status="cancelled")
    shipment = make_shipment(owner, order=order)
    record(event(shipment.number, "picked_up", 1))
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "cancelled"


# Contacts --------------------------------------------------------------------------------


def _add(app, number, by_email, name="Ana", email="ana@example.com", kinds=ALL):
    """Add a contact as the user `by_email` (in a request, as messages are translated)."""
    with app.test_request_context():
        shipment = services.find_shipment(number)
        user = find_user_by_email(by_email)
        return services.add_contact(shipment, name=name, email=email, kinds=kinds, by=user).id


def test_a_fourth_contact_is_refused_with_a_clear_message(app, make_shipment):
    """Three contacts are allowed; the fourth is refused and not stored."""
    shipment = make_shipment()
    for index in range(3):
        _add(app, shipment.number, shipment.owner_email, email=f"c{index}@example.com")
    with pytest.raises(InvalidInput) as refused:
        _add(app, shipment.number, shipment.owner_email, email="c4@example.com")
    assert "at most 3 people" in refused.value.message
    with app.app_context():
        assert len(db.session.scalars(select(AlertContact)).all()) == 3


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "valid email"),
        ("ANA@example.com", "already a contact"),
        ("owner@example.com", "owner's own address"),
    ],
)
def test_bad_duplicate_and_owner_emails_are_refused(app, make_user, make_shipment, email, message):
    """A malformed address, one already added (any case), or the owner's own is refused."""
    owner = make_user("owner@example.com")
    shipment = make_shipment(owner)
    _add(app, shipment.number, owner.email, email="ana@example.com")
    with pytest.raises(InvalidInput) as refused:
        _add(app, shipment.number, owner.email, email=email)
    assert message in refused.value.message
    assert refused.value.field == "email"


def test_only_the_owner_may_change_contacts(app, make_user, make_shipment):
    """Another customer adding a contact is refused as if the shipment did not exist."""
    shipment = make_shipment()
    stranger = make_user()
    with pytest.raises(NotFound) as refused:
        _add(app, shipment.number, stranger.email)
    assert refused.value.code == 404


def test_a_contact_without_any_alert_choice_is_refused(app, make_shipment):
    """A contact must choose at least one kind of alert."""
    shipment = make_shipment()
    with pytest.raises(InvalidInput) as refused:
        _add(app, shipment.number, shipment.owner_email, kinds=())
    assert refused.value.field == "events"


# Alerts ----------------------------------------------------------------------------------


def test_each_recipient_gets_only_the_events_they_chose(app, make_user, make_shipment, record):
    """The owner gets every alert; a contact who chose 'delivered' gets only that one."""
    owner = make_user()
    shipment = make_shipment(
        owner,
        contacts=[("Desk", "desk@example.com", ["delivered"]), ("Li", "li@example.com", ALL)],
    )
    result = record(
        event(shipment.number, "picked_up", 1),
        event(shipment.number, "in_transit", 2),
        event(shipment.number, "delivered", 5),
    )
    assert result.alerts_queued == 2 + 1 + 2
    assert len(queued_to(app, owner.email)) == 2
    assert len(queued_to(app, "li@example.com")) == 2
    [desk] = queued_to(app, "desk@example.com")
    assert desk.subject == f"Delivered: shipment {shipment.number}"


def test_an_estimate_change_alerts_those_who_chose_it(app, make_user, make_shipment, record):
    """A new estimated delivery date is an alert of its own kind."""
    owner = make_user()
    shipment = make_shipment(owner, contacts=[("Desk", "desk@example.com", ["delivered"])])
    record(event(shipment.number, "in_transit", 2, estimated_delivery="2026-03-09"))
    [mail] = queued_to(app, owner.email)
    assert "New delivery estimate" in mail.subject
    assert queued_to(app, "desk@example.com") == []


def test_the_owners_own_choices_are_respected(app, make_user, make_shipment, record):
    """An owner who chose only 'delivered' hears nothing when the parcel is picked up."""
    owner = make_user()
    shipment = make_shipment(owner)
    with app.app_context():
        found = services.find_shipment(shipment.number)
        services.set_owner_alerts(found, ["delivered"], by=found.owner)
    record(event(shipment.number, "picked_up", 1))
    assert queued_to(app, owner.email) == []
    record(event(shipment.number, "delivered", 4))
    assert len(queued_to(app, owner.email)) == 1


def test_a_retried_batch_queues_no_second_alert(app, make_user, make_shipment, record):
    """Sending the same events again stores nothing and queues nothing."""
    owner = make_user()
    shipment = make_shipment(owner, contacts=[("Li", "li@example.com", ALL)])
    items = [event(shipment.number, "picked_up", 1), event(shipment.number, "delivered", 3)]
    assert record(*items).alerts_queued == 4
    again = record(*items)
    assert (again.stored, again.duplicates, again.alerts_queued) == (0, 2, 0)
    assert counts(app) == (2, 4)


def test_someone_who_is_owner_and_contact_gets_one_email(app, make_user, make_shipment, record):
    """The dedupe key names the event and the address, not the role."""
    owner = make_user()
    shipment = make_shipment(owner)
    with app.app_context():
        db.session.add(
            AlertContact(shipment_id=shipment.id, name="Me", email=owner.email, events="delivered")
        )
        db.session.commit()
    record(event(shipment.number, "delivered", 3))
    assert len(queued_to(app, owner.email)) == 1


def test_an_unsubscribed_contact_gets_nothing_for_that_shipment_only(
    app, make_user, make_shipment, record
):
    """An opt-out scoped to one shipment silences that shipment, not the next one."""
    owner = make_user()
    contact = ("Li", "li@example.com", ALL)
    first = make_shipment(owner, contacts=[contact])
    second = make_shipment(owner, contacts=[contact])
    with app.app_context():
        opt_out("li@example.com", f"tracking.alerts:shipment:{first.id}")
        db.session.commit()
    record(event(first.number, "delivered", 3), event(second.number, "delivered", 3))
    [mail] = queued_to(app, "li@example.com")
    assert second.number in mail.subject


def test_an_owner_who_turned_alerts_off_in_preferences_gets_none(
    app, make_user, make_shipment, record
):
    """The email preferences page's 'Shipment alerts' switch covers every shipment."""
    owner = make_user()
    shipment = make_shipment(owner)
    with app.app_context():
        opt_out(owner.email, "tracking.alerts")
        db.session.commit()
    record(event(shipment.number, "delivered", 3))
    assert queued_to(app, owner.email) == []


def test_a_failed_batch_leaves_no_events_and_no_emails(app, make_user, make_shipment, monkeypatch):
    """An error after the events and emails were written rolls all of it back."""
    owner = make_user()
    shipment = make_shipment(owner, contacts=[("Li", "li@example.com", ALL)])

    def explode(changes):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("tracking.live.log_changes", explode)
    with app.app_context(), pytest.raises(RuntimeError):
        services.record_events([EventIn.model_validate(event(shipment.number, "delivered", 3))])
    assert counts(app) == (0, 0)
    with app.app_context():
        assert services.find_shipment(shipment.number).status == "label_created"
        assert db.session.scalar(select(OutboxMessage.id)) is None


def test_an_unconfirmed_owner_cannot_manage_contacts(app, make_user, make_shipment):
    """Until the address is proven, the account is refused as if it were someone else."""
    owner = make_user(confirmed=False)
    shipment = make_shipment(owner)
    with pytest.raises(NotFound) as refused:
        _add(app, shipment.number, owner.email)
    assert refused.value.code == 404
