"""A person in a real browser: the home page, then log in as the demo customer."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_demo_customer_logs_in_and_sees_their_name(new_page):
    """The home page loads without console errors; after login the header shows the name."""
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/")
    assert page.get_by_role("heading", name="How can we help?").is_visible()
    assert page.get_by_role("banner").get_by_role("link", name="Log in").is_visible()

    log_in(page, "customer@example.com")
    assert page.locator(".account-name").inner_text() == "Casey Chen"
    assert "Welcome back, Casey Chen." in page.locator(".flashes").inner_text()
    assert errors == [], f"the browser reported errors: {errors}"

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("banner").get_by_role("link", name="Log in").is_visible()
