"""The agents' support pages in real browsers: the demo agent and lead on one request, live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _watch_errors(page, errors: list[str]) -> None:
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))


def _live(page) -> None:
    page.wait_for_function("window.io && document.querySelector('[data-support-request]')")
    page.wait_for_timeout(400)


def test_two_agents_see_each_other_and_notes_arrive_without_reload(new_page):
    """Presence, typing, a live note, canned reply and article link, and a live answer."""
    errors: list[str] = []
    agent, lead = new_page(), new_page()
    for page in (agent, lead):
        _watch_errors(page, errors)
    log_in(agent, "agent@example.com")
    agent.goto("/support/")
    assert agent.get_by_role("heading", name="Support inbox").is_visible()
    agent.get_by_role("link", name=re.compile("The washing machine leaks")).click()
    agent.wait_for_url(re.compile(r"/support/requests/\d+"))
    address = agent.url

    log_in(lead, "lead@example.com")
    lead.goto(address)
    _live(agent), _live(lead)
    agent.get_by_text("Lena Park is looking at this request").wait_for()
    lead.get_by_text("Sam Zhou is looking at this request").wait_for()

    lead.get_by_role("textbox", name="Internal note").fill("Checking with the installer")
    agent.get_by_text("Lena Park is typing…").wait_for()
    lead.get_by_role("button", name="Add internal note").click()
    note = agent.locator(".sup-msg-note").filter(has_text="Checking with the installer")
    note.wait_for()
    assert "Internal note" in note.inner_text()
    assert lead.get_by_role("textbox", name="Internal note").input_value() == ""

    agent.get_by_label("Canned reply").select_option(label="Greeting")
    agent.get_by_role("button", name="Insert").click()
    expect(agent.locator("#reply-body")).to_have_value(re.compile(r"^Hello Casey"))
    assert "/support/requests/" in agent.url  # inserted in place, no page load

    agent.get_by_label("Link a knowledge-base article").fill("return an item")
    agent.get_by_role("button", name="How do I return an item?").click()
    expect(agent.locator("#reply-body")).to_have_value(
        re.compile(r"\[How do I return an item\?\]\(http://[^)]+/kb/articles/return-an-item\)")
    )
    agent.get_by_role("button", name="Send answer").click()
    agent.locator(".sup-msg-agent").filter(has_text="Hello Casey").wait_for()
    lead.locator(".sup-msg-agent").filter(has_text="Hello Casey").wait_for()
    assert errors == []


def test_the_inbox_counts_move_live(new_page):
    """A request taken by the lead moves the agent's counts without a reload."""
    errors: list[str] = []
    agent, lead = new_page(), new_page()
    for page in (agent, lead):
        _watch_errors(page, errors)
    log_in(agent, "agent@example.com")
    agent.goto("/support/?view=unassigned")
    agent.wait_for_function("window.io && document.querySelector('[data-support-inbox]')")
    agent.wait_for_timeout(400)
    count = agent.locator('[data-view-count="unassigned"]')
    before = int(count.inner_text())
    assert before > 0

    log_in(lead, "lead@example.com")
    lead.goto("/support/?view=unassigned")
    lead.locator("[data-request-row] a").first.click()
    lead.get_by_role("button", name="Take it myself").click()
    lead.wait_for_url(re.compile(r"/support/requests/\d+"))

    expect(count).to_have_text(str(before - 1))
    agent.locator("[data-live-notice]").get_by_role("link", name="Refresh the list").wait_for()
    assert errors == []
