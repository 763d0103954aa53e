"""Two requests at the same moment: each event stored once, never a fourth contact."""

from __future__ import annotations

import threading

from community.accounts.services import find_user_by_email
from community.errors import InvalidInput
from tests.tracking.conftest import counts, event
from tracking import services
from tracking.schemas import EventIn

ALL = ["shipped", "exception", "eta_changed", "out_for_delivery", "delivered"]


def run_together(*jobs):
    """Start every job at once (a barrier), wait for all, and return results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def runner(index, job):
        barrier.wait()
        try:
            results[index] = job()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=runner, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_batch_sent_twice_at_once_is_stored_once(app, make_user, make_shipment):
    """Concurrent identical batches: one stores, the other counts duplicates; one alert each."""
    shipments = [
        make_shipment(make_user(), contacts=[("Li", f"li{n}@example.com", ALL)]) for n in range(5)
    ]
    items = [
        EventIn.model_validate(event(s.number, code, hours))
        for s in shipments
        for code, hours in (("picked_up", 1), ("delivered", 4))
    ]

    def send():
        with app.app_context():
            return services.record_events(items)

    first, second = run_together(send, send)
    assert not isinstance(first, Exception), first
    assert not isinstance(second, Exception), second
    assert first.stored + second.stored == 10
    assert first.duplicates + second.duplicates == 10
    assert counts(app) == (10, 5 * 2 * 2)


def test_two_contacts_added_at_once_to_a_full_shipment_make_three_not_four(
    app, make_user, make_shipment
):
    """With two contacts, two simultaneous additions: one succeeds, one is refused."""
    owner = make_user()
    shipment = make_shipment(
        owner, contacts=[("A", "a@example.com", ALL), ("B", "b@example.com", ALL)]
    )

    def add(email):
        def job():
            with app.test_request_context():
                found = services.find_shipment(shipment.number)
                user = find_user_by_email(owner.email)
                return services.add_contact(
                    found, name="New", email=email, kinds=ALL, by=user
                ).email

        return job

    results = run_together(add("c@example.com"), add("d@example.com"))
    refused = [result for result in results if isinstance(result, InvalidInput)]
    added = [result for result in results if isinstance(result, str)]
    assert len(refused) == 1 and len(added) == 1, results
    with app.app_context():
        assert len(services.find_shipment(shipment.number).contacts) == 3
