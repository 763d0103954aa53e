"""The knowledge base in a real browser: the demo customer searches in Chinese, opens the
article and answers "Was this helpful?"; an anonymous visitor answers from a cached page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _collect_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_customer_searches_in_chinese_opens_the_article_and_gives_feedback(new_page):
    """退货 suggests and finds 如何办理退货手续; a 'No' with a comment reaches the editors."""
    page = new_page()
    errors = _collect_errors(page)
    log_in(page, "customer@example.com")
    page.goto("/kb/")
    box = page.get_by_role("combobox", name="Search the knowledge base")
    box.fill("退货")
    suggestion = page.locator(".suggestions a", has_text="如何办理退货手续")
    suggestion.wait_for()
    box.press("Enter")
    page.wait_for_url("**/kb/search?**")
    first = page.locator(".kb-hit").first
    assert first.get_by_role("link").inner_text() == "如何办理退货手续"
    assert "退货" in first.locator("mark").first.inner_text()

    first.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "如何办理退货手续"
    feedback = page.locator("#feedback")
    feedback.get_by_role("button", name="No").click()
    feedback.get_by_label("What were you looking for? (optional)").fill("运费由谁承担？")
    feedback.get_by_role("button", name="Send").click()
    feedback.get_by_text("Thank you for your feedback.").wait_for()
    assert errors == [], f"the browser reported errors: {errors}"

    editor = new_page()
    log_in(editor, "admin@example.com")
    editor.goto("/kb/insights")
    assert editor.get_by_text("运费由谁承担？").is_visible()
    assert editor.locator("table", has_text="如何办理退货手续").first.is_visible()


def test_anonymous_reader_answers_yes_from_a_cached_page(new_page):
    """A visitor with no session gets a token on demand and their 'Yes' is recorded."""
    page = new_page()
    errors = _collect_errors(page)
    page.goto("/kb/articles/when-will-i-get-my-refund")
    page.goto("/kb/articles/when-will-i-get-my-refund")
    page.locator("#feedback").get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    assert page.locator(".kb-feedback-error").is_hidden()
    assert errors == [], f"the browser reported errors: {errors}"
