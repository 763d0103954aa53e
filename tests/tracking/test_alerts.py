"""Alert emails through a real SMTP server: content, one per recipient and event, unsubscribe."""

from __future__ import annotations

from collections import Counter

import pytest

from community.outbox import delivery
from tests.community.outbox_helpers import link_in
from tests.tracking.conftest import event

pytestmark = pytest.mark.smtp

ALL = ["shipped", "exception", "eta_changed", "out_for_delivery", "delivered"]


def deliver(app):
    with app.app_context():
        return delivery.deliver_pending()


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


@pytest.fixture
def parcel(make_user, make_shipment):
    owner = make_user("olive@example.com", display_name="Olive Owner")
    shipment = make_shipment(
        owner,
        contacts=[
            ("Desk", "desk@example.com", ["delivered"]),
            ("Li Wei", "li@example.com", ALL),
        ],
    )
    return owner, shipment


def test_one_email_per_recipient_per_event_with_what_when_where(
    mail_app, smtp_server, parcel, record
):
    """Each chosen recipient receives exactly one email per event, saying what happened."""
    owner, shipment = parcel
    record(
        event(shipment.number, "picked_up", 1, location="Shenzhen, CN"),
        event(shipment.number, "in_transit", 2),
        event(
            shipment.number,
            "exception",
            3,
            location="Anchorage, US",
            description="Held at customs",
            estimated_delivery="2026-03-12",
        ),
    )
    assert deliver(mail_app).sent == 2 + 2
    received = Counter(address for mail in smtp_server.received for address in mail.recipients)
    assert received == {owner.email: 2, "li@example.com": 2}

    [problem] = [
        mail.message
        for mail in smtp_server.received
        if "li@example.com" in mail.recipients and "attention" in mail.message["Subject"]
    ]
    assert problem["Subject"] == f"Needs attention: shipment {shipment.number}"
    text = problem.get_body(preferencelist=("plain",)).get_content()
    html = problem.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert "Held at customs" in body
        assert "Anchorage, US" in body
        assert "Mar 2, 2026" in body  # when, in the owner's time zone (UTC here)
        assert "Thursday, March 12, 2026" in body  # the new estimate
        assert f"http://portal.test/track/{shipment.number}" in body
        assert "Olive Owner asked us" in body
    assert problem["List-Unsubscribe"].startswith("<http://portal.test/email/unsubscribe/")


def test_a_contact_unsubscribes_in_one_click_without_an_account(
    mail_app, smtp_server, parcel, record, client
):
    """The link in the email works logged out; later events skip that contact only."""
    owner, shipment = parcel
    record(event(shipment.number, "picked_up", 1))
    deliver(mail_app)
    [mail] = [m.message for m in smtp_server.received if "li@example.com" in m.recipients]
    link = link_in(mail.get_body(preferencelist=("plain",)).get_content(), "/email/unsubscribe/")
    page = client.get(link)
    assert page.status_code == 200 and "Shipment alerts" in page.get_data(as_text=True)
    assert client.post(link, data={"action": "unsubscribe"}).status_code == 200

    before = len(smtp_server.received)
    record(event(shipment.number, "delivered", 5))
    deliver(mail_app)
    after = Counter(a for m in smtp_server.received[before:] for a in m.recipients)
    assert after == {owner.email: 1, "desk@example.com": 1}
    assert len(smtp_server.messages_to("li@example.com")) == 1


def test_one_click_unsubscribe_by_post_without_a_form(
    mail_app, smtp_server, parcel, record, client
):
    """A mail provider's RFC 8058 POST to the List-Unsubscribe address opts the contact out."""
    _owner, shipment = parcel
    record(event(shipment.number, "delivered", 1))
    deliver(mail_app)
    [mail] = smtp_server.messages_to("desk@example.com")
    url = mail["List-Unsubscribe"].strip("<>").replace("http://portal.test", "")
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with mail_app.app_context():
        from community.outbox.services import is_opted_out

        assert is_opted_out("desk@example.com", f"tracking.alerts:shipment:{shipment.id}")


def test_a_tampered_unsubscribe_token_is_refused(mail_app, smtp_server, parcel, record, client):
    """Changing one character of the signed token gives 404 and unsubscribes nobody."""
    _owner, shipment = parcel
    record(event(shipment.number, "delivered", 1))
    deliver(mail_app)
    [mail] = smtp_server.messages_to("desk@example.com")
    link = link_in(mail.get_body(preferencelist=("plain",)).get_content(), "/email/unsubscribe/")
    token = link.rsplit("/", 1)[1]
    forged = link[: -len(token)] + token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert client.get(forged).status_code == 404
    assert client.post(forged, data={"action": "unsubscribe"}).status_code == 404
    with mail_app.app_context():
        from community.outbox.services import is_opted_out

        assert not is_opted_out("desk@example.com", f"tracking.alerts:shipment:{shipment.id}")


def test_a_retried_event_sends_nothing_twice(mail_app, smtp_server, parcel, record):
    """After delivery, the same events again queue and send nothing."""
    _owner, shipment = parcel
    items = [event(shipment.number, "out_for_delivery", 1), event(shipment.number, "delivered", 2)]
    record(*items)
    first = deliver(mail_app).sent
    record(*items)
    assert deliver(mail_app).sent == 0
    assert len(smtp_server.received) == first == 2 + 2 + 1
