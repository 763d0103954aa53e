"""The forum in a real browser: the demo customer asks, sees a matching article while typing,
another demo member replies, the reply appears live on the first page, the asker accepts it."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "How do I return an item I bought last week?"
REPLY = "Open Your orders, choose the order and select Return: the label is free."
ASKER = "customer@example.com"


def _pending_about(live_server, post_id: int) -> tuple[int, int]:
    """The asker's unread notices about the post, and emails about it still to send."""
    with sqlite3.connect(live_server.instance / "portico.db") as database:
        notices = database.execute(
            "SELECT count(*) FROM forum_notifications n JOIN users u ON u.id = n.user_id"
            " WHERE u.email = ? AND n.read_at IS NULL AND n.topic_id ="
            " (SELECT topic_id FROM forum_posts WHERE id = ?)",
            (ASKER, post_id),
        ).fetchone()[0]
        emails = database.execute(
            "SELECT count(*) FROM outbox_messages WHERE to_address = ? AND dedupe_key LIKE ?",
            (ASKER, f"forum.%:{post_id}:%"),
        ).fetchone()[0]
    return notices, emails


def _wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page did not report the reply as seen"
        time.sleep(0.1)


def test_a_question_gets_a_live_reply_and_is_solved(new_page, live_server):
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
    # The asker watched it arrive: the notice is read and its email withdrawn, not sent later.
    post_id = int(live.get_attribute("data-post-id"))
    _wait_for(lambda: _pending_about(live_server, post_id) == (0, 0))

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
