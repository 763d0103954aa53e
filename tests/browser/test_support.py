"""Support in a real browser, as the README promises it: the demo customer writes on the web
(seeing an answer suggested while typing), gets the acknowledgement with a real due time,
answers by email, sees the agent's reply arrive without reloading, rates it from the email's
link, and the public `/service` page counts it."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tests.services import ROOT, wait_for

pytestmark = pytest.mark.browser

SUBJECT = "The new fridge is louder than it should be"
REPLY = "That hum settles after 48 hours. If it does not, we send a technician."


def mails_to(instance: Path, address: str, needle: str) -> list[EmailMessage]:
    found = []
    for path in sorted((instance / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(message["To"]) and needle in str(message["Subject"]):
            found.append(message)
    return found


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def receive(live_server, raw: bytes) -> str:  # type: ignore[no-untyped-def]
    """Deliver one message as an MTA's pipe would: `flask support receive` on stdin."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "support", "receive"],
        cwd=ROOT,
        env={**os.environ, **live_server.env, "PORTAL_INSTANCE": str(live_server.instance)},
        input=raw,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_a_customer_writes_answers_by_email_sees_the_reply_live_and_rates_it(new_page, live_server):
    """Web request, acknowledgement, email reply joins it, live agent answer, rating, figures."""
    errors: list[str] = []
    customer = new_page()
    customer.on("pageerror", lambda error: errors.append(str(error)))
    log_in(customer, "customer@example.com")
    customer.goto("/support/new")
    customer.get_by_label("What is it about?").select_option(label="A product does not work")
    customer.get_by_label("Subject").press_sequentially("return an item", delay=15)
    customer.locator("#similar-title").wait_for()
    customer.get_by_label("Subject").fill(SUBJECT)
    customer.get_by_label("Tell us more").fill("It hums loudly at night, since **yesterday**.")
    customer.get_by_role("button", name="Send to support").click()
    customer.get_by_role("heading", name=SUBJECT).wait_for()
    number = re.search(r"#(\d{6,})", customer.content()).group(1)  # type: ignore[union-attr]

    [ack] = wait_for(lambda: mails_to(live_server.instance, "customer@example.com", number))
    assert "We received your request" in str(ack["Subject"])
    assert re.search(r"\d{4}", text_of(ack)) and "(UTC)" in text_of(ack)

    answer = EmailMessage()
    answer["From"] = "Casey Chen <customer@example.com>"
    answer["To"] = str(ack["Reply-To"])
    answer["Subject"] = "Re: " + str(ack["Subject"])
    answer["Message-ID"] = "<answer-1@customer.example.com>"
    answer["In-Reply-To"] = str(ack["Message-ID"])
    answer.set_content("It is model FR-200.\n\nOn Monday, Portico wrote:\n> We received it")
    assert f"reply added to request {number}" in receive(live_server, bytes(answer))
    customer.reload()
    customer.get_by_text("It is model FR-200.").wait_for()
    assert "We received it" not in customer.locator("[data-messages]").inner_text()
    customer.evaluate("window.__sameDocument = true")

    agent = new_page()
    agent.on("pageerror", lambda error: errors.append(str(error)))
    log_in(agent, "agent@example.com")
    agent.goto(f"/support/requests/{number}")
    agent.locator("#reply-body").fill(REPLY)
    agent.get_by_label("Then").select_option("solved")
    agent.get_by_role("button", name="Send answer").click()
    agent.wait_for_url(re.compile(rf"/support/requests/{number}"))

    customer.locator("[data-messages]", has_text=REPLY).wait_for(timeout=15_000)
    assert customer.evaluate("window.__sameDocument") is True, "the page was reloaded"

    [rating_mail] = wait_for(
        lambda: mails_to(live_server.instance, "customer@example.com", "Did we solve it?")
    )
    good = re.search(r"https?://\S+/support/rate/\S+", text_of(rating_mail)).group(0)  # type: ignore[union-attr]
    visitor = new_page()  # the link works without logging in
    visitor.goto(re.sub(r"^https?://[^/]+", "", good))
    visitor.get_by_label("Yes, my problem is solved").check()
    visitor.get_by_role("button", name="Send my answer").click()
    visitor.get_by_text(re.compile("Thank you")).first.wait_for()

    visitor.goto("/service")
    assert visitor.get_by_role(
        "heading", name=re.compile("response times", re.I)
    ).first.is_visible()
    assert errors == [], f"the browser reported errors: {errors}"
