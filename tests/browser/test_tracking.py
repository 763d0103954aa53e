"""The demo customer in a real browser: adds a contact, then watches the shipment move live."""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tests.services import wait_for

pytestmark = pytest.mark.browser

NUMBER = "PT1000000003"  # the demo customer's shipment in transit


def post_event(url: str, token: str, event: dict) -> dict:
    request = urllib.request.Request(
        url + "/api/v1/tracking/events",
        data=json.dumps(event).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def mails_to(instance: Path, address: str, *needles: str) -> list[email.message.EmailMessage]:
    found = []
    for path in (instance / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        if message["To"] == address and all(needle in body for needle in needles):
            found.append(message)
    return found


def test_a_contact_is_added_and_the_open_page_follows_an_event_live(new_page, live_server):
    """Contact form, then an API event: the page changes without reload; both get the email."""
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "customer@example.com")

    page.goto("/account/shipments")
    page.get_by_role("link", name=NUMBER).click()
    page.get_by_label("Name", exact=True).fill("Robin Tester")
    page.get_by_label("Email", exact=True).fill("robin@example.com")
    page.get_by_role("button", name="Add contact").click()
    assert "Robin Tester will get the alerts you chose." in page.locator(".flashes").inner_text()
    assert page.get_by_role("heading", name="Robin Tester robin@example.com").is_visible()

    public = new_page()  # a visitor with only the tracking number
    public.on("pageerror", lambda error: errors.append(str(error)))
    public.goto(f"/track/{NUMBER}")
    public.wait_for_selector('[data-tracking-live][data-live="on"]')
    page.wait_for_selector('[data-tracking-live][data-live="on"]')
    public.evaluate("window.__sameDocument = true")
    assert "On the van in the browser test" not in public.content()

    token = live_server.flask("api-token", "create", "browser").strip().splitlines()[-1]
    answer = post_event(
        live_server.url,
        token,
        {
            "tracking_number": NUMBER,
            "event_id": "browser-journey-1",
            "code": "out_for_delivery",
            "occurred_at": datetime.now(UTC).isoformat(),
            "location": "Seattle, US",
            "description": "On the van in the browser test",
        },
    )
    assert answer["stored"] == 1 and answer["alerts_queued"] >= 2

    for watcher in (public, page):
        timeline = watcher.locator(".trk-timeline")
        timeline.get_by_text("On the van in the browser test").wait_for()
        assert watcher.locator(".trk-summary .trk-badge").first.inner_text() == "Out for delivery"
        assert watcher.locator(".trk-event.trk-fresh").count() == 1
    assert public.evaluate("window.__sameDocument") is True, "the page was reloaded"
    assert "Robin" not in public.content() and "robin@" not in public.content()

    # Alert emails are delivered by the web process into <instance>/mail as .eml files.
    for address in ("customer@example.com", "robin@example.com"):
        wait_for(
            lambda address=address: mails_to(
                live_server.instance, address, NUMBER, "On the van in the browser test"
            ),
            timeout=20,
            interval=0.3,
        )
    [robin] = mails_to(live_server.instance, "robin@example.com", NUMBER, "On the van")
    assert robin["Subject"] == f"Out for delivery: shipment {NUMBER}"
    assert robin["List-Unsubscribe"]

    # An event stored by another process (the simulator) reaches the page through the relay.
    shown = public.locator(".trk-timeline .trk-event").count()
    output = live_server.flask(
        "tracking",
        "simulate",
        "--number",
        NUMBER,
        "--events",
        "1",
        "--interval",
        "0",
        "--seed",
        "2",
    )
    assert NUMBER in output
    public.locator(".trk-timeline .trk-event").nth(shown).wait_for(timeout=15_000)
    assert public.evaluate("window.__sameDocument") is True
    assert errors == [], f"the browser reported errors: {errors}"
