"""The status rules on their own: events in the order they happened, finals, estimates."""

from __future__ import annotations

from datetime import date

from tests.tracking.conftest import at
from tracking.rules import EventFacts, ShipmentState, apply_event


def fresh() -> ShipmentState:
    return ShipmentState("label_created", None, None, None, None, None)


def facts(code: str, hours: float, eta: date | None = None) -> EventFacts:
    return EventFacts(code, at(hours), "Memphis, US", f"{code} scan", eta)


def play(*events: EventFacts) -> ShipmentState:
    state = fresh()
    for item in events:
        apply_event(state, item)
    return state


def test_the_latest_event_sets_the_status():
    """Events in time order move the status step by step."""
    state = play(facts("picked_up", 1), facts("in_transit", 2), facts("out_for_delivery", 3))
    assert state.status == "out_for_delivery"
    assert state.status_at == at(3)


def test_an_older_event_arriving_late_joins_without_moving_the_status():
    """A late pick-up scan after an in-transit one changes nothing but the timeline."""
    state = play(facts("in_transit", 5))
    outcome = apply_event(state, facts("picked_up", 1))
    assert state.status == "in_transit"
    assert not outcome.moved and not outcome.alert_kinds
    assert state.last_event_code == "in_transit"


def test_nothing_but_a_later_return_follows_delivered():
    """After delivery, a newer in-transit scan is ignored; a later return counts."""
    state = play(facts("delivered", 5))
    assert not apply_event(state, facts("in_transit", 6)).moved
    assert state.status == "delivered"
    assert not apply_event(state, facts("returned", 4)).moved
    assert apply_event(state, facts("returned", 7)).moved
    assert state.status == "returned"
    assert not apply_event(state, facts("delivered", 9)).moved


def test_a_late_delivery_still_finalises_the_shipment():
    """A delivery scan that arrives after a newer exception still means delivered."""
    state = play(facts("exception", 6))
    outcome = apply_event(state, facts("delivered", 5))
    assert outcome.moved and state.status == "delivered" and state.delivered_at == at(5)
    assert outcome.alert_kinds == {"delivered"}


def test_label_created_never_moves_a_shipment_back():
    """A newer label scan after pick-up leaves the status where it was."""
    state = play(facts("picked_up", 1))
    assert not apply_event(state, facts("label_created", 2)).moved
    assert state.status == "picked_up"


def test_estimates_come_from_the_newest_event_that_carries_one():
    """An older event's estimate never replaces a newer one; a change is alert-worthy."""
    state = play(facts("in_transit", 4, date(2026, 3, 9)))
    assert state.estimated_delivery == date(2026, 3, 9)
    outcome = apply_event(state, facts("in_transit", 2, date(2026, 3, 5)))
    assert state.estimated_delivery == date(2026, 3, 9) and not outcome.eta_changed
    outcome = apply_event(state, facts("in_transit", 6, date(2026, 3, 11)))
    assert outcome.eta_changed and outcome.alert_kinds == {"eta_changed"}


def test_alert_kinds_follow_the_codes_that_move_the_status():
    """Picked up is 'shipped'; exception and failed attempt are 'exception'."""
    state = fresh()
    assert apply_event(state, facts("picked_up", 1)).alert_kinds == {"shipped"}
    assert apply_event(state, facts("in_transit", 2)).alert_kinds == set()
    assert apply_event(state, facts("attempt_failed", 3)).alert_kinds == {"exception"}
    assert apply_event(state, facts("out_for_delivery", 4)).alert_kinds == {"out_for_delivery"}
