"""Getting around with a thumb or a keyboard: the phone menu (with and without JavaScript),
the "More" menu of a long staff navigation, visible focus, and search suggestions that
follow the WAI-ARIA combobox pattern."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 800}


def _phone_page(browser, live_server, *, javascript: bool = True):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport=PHONE, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_phone_menu_opens_from_its_button_and_closes_with_escape(browser, live_server):
    """At 390 px the links sit behind a real menu button that says whether it is open."""
    context, page = _phone_page(browser, live_server)
    try:
        page.goto("/")
        header = page.get_by_role("banner")
        assert header.bounding_box()["height"] <= 64
        menu = header.get_by_role("button", name="Menu")
        assert menu.get_attribute("aria-expanded") == "false"
        assert menu.get_attribute("aria-controls") == "site-menu"
        assert header.get_by_role("link", name="Forum").is_hidden()

        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        forum = page.locator("#site-menu").get_by_role("link", name="Forum")
        assert forum.is_visible()
        assert page.locator("#site-menu").get_by_role("link", name="Log in").is_visible()

        # Keyboard: the focus ring shows, Escape closes and gives the focus back to the button.
        forum.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        ring = forum.evaluate("(node) => getComputedStyle(node).outlineStyle")
        assert ring == "solid", "a keyboard focus must be visible"
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        assert forum.is_hidden()
        assert page.evaluate("document.activeElement.hasAttribute('data-menu-toggle')")

        menu.click()
        page.get_by_role("contentinfo").locator("p").first.click()  # a tap elsewhere closes it
        assert menu.get_attribute("aria-expanded") == "false"
    finally:
        context.close()


def test_without_javascript_the_phone_menu_is_shown_open_under_the_header(browser, live_server):
    """No script: no dead button; every link is there, nothing scrolls sideways."""
    context, page = _phone_page(browser, live_server, javascript=False)
    try:
        page.goto("/track")
        header = page.get_by_role("banner")
        assert header.get_by_role("button", name="Menu").is_hidden()
        for name in ("Knowledge base", "Forum", "Track", "Log in", "Sign up"):
            assert header.get_by_role("link", name=name, exact=True).is_visible(), name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_a_long_staff_navigation_keeps_one_line_with_the_rest_under_more(new_page):
    """The admin (who holds every role) sees five links and "More" at 1280 px."""
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "admin@example.com")
    page.goto("/admin/")
    nav = page.get_by_role("navigation", name="Main")
    more = nav.locator("summary", has_text="More")
    assert nav.get_by_role("link", name="Admin").is_hidden()
    more.focus()
    page.keyboard.press("Enter")
    admin = nav.locator(".dropdown-panel").get_by_role("link", name="Admin")
    assert admin.is_visible()
    assert admin.get_attribute("aria-current") == "page"
    page.keyboard.press("Escape")
    assert admin.is_hidden()
    assert page.get_by_role("banner").bounding_box()["height"] <= 64


def test_suggestions_are_a_combobox_the_arrow_keys_walk_through(new_page):
    """ArrowDown/ArrowUp reach every suggestion (not just the first), Escape closes the list
    and keeps the text, Enter opens the active suggestion."""
    page = new_page()
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the knowledge base")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("re", delay=30)
    listbox = page.get_by_role("listbox")
    listbox.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    options = listbox.get_by_role("option")
    count = options.count()
    assert count >= 3, "the demo articles give several suggestions for 're'"

    def active() -> str | None:
        return box.get_attribute("aria-activedescendant")

    ids = [options.nth(index).get_attribute("id") for index in range(count)]
    for index in range(count):
        box.press("ArrowDown")
        assert active() == ids[index]
        assert options.nth(index).get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    assert active() == ids[0], "past the last suggestion, ArrowDown starts again at the first"
    box.press("ArrowUp")
    assert active() == ids[-1]
    assert page.evaluate("document.activeElement.id") == box.get_attribute("id")

    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert listbox.is_hidden()
    assert box.input_value() == "re"

    box.press("ArrowDown")
    box.press("ArrowDown")
    target = options.nth(1).get_attribute("href")
    box.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))
