"""The VIP club in two real browsers: the demo VIP and the demo manager talk live."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _watch_errors(page, errors: list[str]) -> None:
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))


def test_a_message_appears_on_the_other_side_without_reload_and_seen_comes_back(new_page):
    """Vivian writes, Morgan sees it live and reads it, Vivian sees "Seen"; then the reply."""
    errors: list[str] = []
    vip = new_page()
    manager = new_page()
    _watch_errors(vip, errors)
    _watch_errors(manager, errors)

    log_in(vip, "vip@example.com")
    vip.goto("/vip/")
    assert vip.get_by_role("heading", name="Your VIP club").is_visible()
    assert "Morgan Price" in vip.locator(".vip-card").inner_text()

    log_in(manager, "manager@example.com")
    manager.goto("/manager/")
    manager.get_by_role("link", name="Vivian Li").click()
    manager.wait_for_url(re.compile(r"/manager/conversations/\d+"))

    # Both pages are live before anyone types.
    for page in (vip, manager):
        page.wait_for_function("window.io && document.querySelector('[data-vip-chat]')")
        page.wait_for_timeout(300)

    text = "Can you confirm the Saturday delivery? 周六可以送货吗？"
    vip.get_by_label("Your message").fill(text)
    vip.get_by_role("button", name="Send").click()
    mine = vip.locator(".vip-msg-mine").filter(has_text="Saturday delivery").last
    mine.wait_for()
    assert vip.get_by_label("Your message").input_value() == ""

    # Morgan's page shows it without a reload, and reading it sends "Seen" back.
    manager.locator(".vip-msg").filter(has_text="周六可以送货吗").wait_for()
    mine.locator("[data-seen]").wait_for(state="visible")

    # Morgan types (Vivian sees the indicator), then answers with the keyboard.
    manager.get_by_label("Your message").fill("Yes")
    vip.get_by_text("Morgan Price is typing…").wait_for()
    manager.get_by_label("Your message").fill("Yes: it arrives on **Saturday** morning.")
    manager.get_by_label("Your message").press("Enter")
    reply = vip.locator(".vip-msg-staff").filter(has_text="arrives on Saturday morning").last
    reply.wait_for()
    assert reply.locator(".vip-msg-body strong").inner_text() == "Saturday"

    # A reload shows exactly what was said.
    vip.reload()
    assert vip.locator(".vip-msg").filter(has_text="周六可以送货吗").count() == 1
    assert vip.locator(".vip-msg").filter(has_text="arrives on Saturday morning").count() == 1
    assert errors == [], f"the browser reported errors: {errors}"


def test_without_javascript_the_vip_still_sends_with_the_form(browser, live_server):
    """Scripts off: the plain form posts, and the page shows the history."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, "vip@example.com")
        page.goto("/vip/")
        page.get_by_label("Your message").fill("Sent from a page without JavaScript")
        page.get_by_role("button", name="Send").click()
        page.wait_for_url(re.compile(r"/vip/"))
        assert page.locator(".vip-msg").filter(has_text="without JavaScript").count() == 1
    finally:
        context.close()
