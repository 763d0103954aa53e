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


def test_the_managers_board_and_badge_follow_a_message_on_any_page(new_page):
    """Vivian writes while Morgan has the dashboard open in one tab and the forum in another:
    the row, the totals and the Messages badge on the forum page all move without a reload,
    and reading the message in a third tab brings them back."""
    errors: list[str] = []
    vip, board, forum, conversation = new_page(), new_page(), None, None
    _watch_errors(vip, errors)
    _watch_errors(board, errors)
    log_in(vip, "vip@example.com")
    vip.goto("/vip/")
    log_in(board, "manager@example.com")
    # The same login in further tabs: the manager's own session, as a browser would share it.
    forum = board.context.new_page()
    conversation = board.context.new_page()
    _watch_errors(forum, errors)
    board.goto("/manager/")
    board.evaluate("window.__sameDocument = true")
    forum.goto("/forum/")
    forum.evaluate("window.__sameDocument = true")
    for page in (vip, board, forum):
        page.wait_for_function("typeof window.io === 'function'")
    board.wait_for_timeout(500)  # both of Morgan's tabs have joined their rooms

    row = board.locator("tr", has=board.get_by_role("link", name="Vivian Li"))
    unread_before = int(row.locator("[data-row-unread]").inner_text())
    vip.get_by_label("Your message").fill("Is my order insured? 我的订单有保险吗？")
    vip.get_by_role("button", name="Send").click()
    vip.locator(".vip-msg-mine").filter(has_text="订单有保险").wait_for()

    badge = forum.locator('[data-badge="vip"] [data-badge-count]')
    forum.wait_for_function(
        "el => !el.hidden && parseInt(el.textContent, 10) >= 1", arg=badge.element_handle()
    )
    board.wait_for_function(
        f"() => {{ const row = [...document.querySelectorAll('[data-conversation-row]')]"
        f".find(r => r.textContent.includes('Vivian Li'));"
        f" return row && parseInt(row.querySelector('[data-row-unread]').textContent, 10)"
        f" === {unread_before + 1} && !row.textContent.includes('answered'); }}"
    )
    assert "within the promise" in row.inner_text() or "past the promise" in row.inner_text()

    # Morgan reads it in a third tab: the board and the badge elsewhere follow.
    conversation.goto("/manager/")
    conversation.get_by_role("link", name="Vivian Li").first.click()
    conversation.locator(".vip-msg").filter(has_text="订单有保险").wait_for()
    board.wait_for_function(
        "() => { const row = [...document.querySelectorAll('[data-conversation-row]')]"
        ".find(r => r.textContent.includes('Vivian Li'));"
        " return row && row.querySelector('[data-row-unread]').textContent.trim() === '0'; }"
    )
    forum.wait_for_function(
        "el => el.hidden || el.textContent.trim() === '0'", arg=badge.element_handle()
    )
    assert board.evaluate("window.__sameDocument") is True, "the dashboard was reloaded"
    assert forum.evaluate("window.__sameDocument") is True, "the forum page was reloaded"
    assert errors == [], f"the browser reported errors: {errors}"
