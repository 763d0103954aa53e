"""The forum in a real browser: the demo customer asks, sees a matching article while typing,
another demo member replies, the reply appears live on the first page, the asker accepts it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "How do I return an item I bought last week?"
REPLY = "Open Your orders, choose the order and select Return: the label is free."


def test_a_question_gets_a_live_reply_and_is_solved(new_page):
    """Suggestion and preview while typing, a live reply and a vote without reload, the
    answer accepted."""
    errors: list[str] = []
    asker = new_page()
    asker.on("pageerror", lambda error: errors.append(str(error)))
    asker.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(asker, "customer@example.com")

    asker.goto("/forum/")
    asker.get_by_role("link", name="Ask a question").first.click()
    asker.get_by_label("Title").press_sequentially(TITLE, delay=15)
    suggestions = asker.locator("[data-similar-list]")
    suggestions.get_by_role("link", name="How do I return an item?").wait_for()
    assert "Article" in suggestions.inner_text()

    asker.get_by_label("Category").select_option(label="Orders and returns · 订单与退货")
    asker.get_by_label("Details").fill("The parcel arrived **damaged**. Where do I start?")
    asker.locator("[data-preview-body] strong", has_text="damaged").wait_for()
    asker.get_by_label("Tags").fill("returns")
    asker.get_by_role("button", name="Post your question").click()
    asker.get_by_role("heading", name=TITLE).wait_for()
    asker.locator("[data-live-indicator]").wait_for(state="visible")
    asker.evaluate("window.__sameDocument = true")
    topic_url = asker.url

    helper = new_page()
    helper.on("pageerror", lambda error: errors.append(str(error)))
    log_in(helper, "vip@example.com")
    helper.goto(topic_url)
    helper.get_by_label("Your reply").fill(REPLY)
    helper.get_by_role("button", name="Post reply").click()
    helper.locator(".forum-post", has_text=REPLY).wait_for()

    live = asker.locator("article.forum-post", has_text=REPLY)
    live.wait_for(timeout=15_000)
    assert asker.evaluate("window.__sameDocument") is True, "the page was reloaded"
    assert "Vivian Li" in live.inner_text()

    live.locator("button.forum-vote").click()  # sent in the background
    asker.wait_for_function(
        "el => el.textContent.trim() === '1'",
        arg=live.locator("[data-vote-count]").element_handle(),
    )
    assert live.locator("button.forum-vote").get_attribute("aria-pressed") == "true"
    helper.wait_for_function(  # the author's open page hears of the vote too
        "el => el.textContent.trim() === '1'",
        arg=helper.locator(".forum-post", has_text=REPLY)
        .locator("[data-vote-count]")
        .element_handle(),
    )
    assert asker.evaluate("window.__sameDocument") is True

    live.get_by_role("button", name="Accept as the answer").click()
    accepted = asker.locator("#accepted-answer")
    accepted.wait_for()
    assert REPLY in accepted.inner_text()
    assert "Solved" in asker.locator(".forum-topic-head").inner_text()

    helper.goto("/forum/c/orders?filter=solved")
    assert helper.get_by_role("link", name=TITLE).is_visible()
    assert errors == [], f"the browser reported errors: {errors}"
