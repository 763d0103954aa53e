"""ratings: "Did we solve it?" from the email's signed links and from the request page —
shown on GET, recorded only on POST, once; forged, expired and reused links each get their
own page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from community.accounts.models import User
from community.extensions import db
from support.models import Rating, SupportRequest
from support.services import links, working
from tests.community.outbox_helpers import link_in, queued_to
from tests.helpers import logged_in
from tests.support.conftest import load


@pytest.fixture
def solved(app, desk, open_request):
    """A request the agent answered and marked solved: the rating email is queued."""

    def factory(**extra):
        record = open_request(**extra)
        with app.app_context():
            found = db.session.get(SupportRequest, record.id)
            agent = db.session.get(User, desk.agent.id)
            working.agent_reply(found, "Here is your return label.", by=agent, then="solved")
        return record

    return factory


def rating_links(app, address: str) -> tuple[str, str]:
    rating = [row for row in queued_to(app, address) if "Did we solve it?" in row.subject][-1]
    return link_in(rating.body_text, "/support/rate/"), link_in(
        rating.body_text.split("No, not really", 1)[1], "/support/rate/"
    )


def test_the_rating_email_carries_two_links_that_only_show_a_form(app, desk, client, solved):
    """Opening a link (as a mail scanner would) shows the choice preselected and records
    nothing; only sending the form rates."""
    record = solved(email="someone@example.org")
    good, bad = rating_links(app, "someone@example.org")
    for _ in range(2):
        page = client.get(bad)
        assert page.status_code == 200
        assert re.search(r'<input checked[^>]*value="bad"', page.get_data(as_text=True))
    assert load(app, record).rated_at is None
    assert re.search(r'<input checked[^>]*value="good"', client.get(good).get_data(as_text=True))
    sent = client.post_form(bad, {"rating": "bad", "comment": "The label never came."})
    assert sent.status_code == 200 and "sorry" in sent.get_data(as_text=True)
    stored = load(app, record)
    assert stored.rating == "bad" and stored.rating_comment == "The label never came."


def test_a_bad_rating_is_emailed_to_the_departments_lead(app, desk, client, solved):
    """The lead hears of a bad rating at once, with the comment and the staff link."""
    record = solved(email="someone@example.org")
    _good, bad = rating_links(app, "someone@example.org")
    client.post_form(bad, {"rating": "bad", "comment": "Still broken"})
    emails = [row for row in queued_to(app, desk.lead.email) if "not happy" in row.subject]
    assert len(emails) == 1
    assert "Still broken" in emails[0].body_text
    assert f"/support/requests/{record.number}" in emails[0].body_text


def test_a_reused_link_gets_the_already_rated_page(app, desk, client, solved):
    """The second use of either link is a friendly 409 and changes nothing."""
    record = solved(email="someone@example.org")
    good, bad = rating_links(app, "someone@example.org")
    assert client.post_form(good, {"rating": "good"}).status_code == 200
    for link in (good, bad):
        again = client.get(link)
        assert again.status_code == 409
        assert "answered already" in again.get_data(as_text=True)
        assert client.post_form(link, {"rating": "bad"}).status_code == 409
    assert load(app, record).rating == "good"


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "WzEsImdvb2QiXQ.forged.signature",
        "x" * 5000,
    ],
)
def test_a_forged_link_is_a_400_page(client, desk, token):
    """A damaged or made-up link says so, with status 400."""
    response = client.get(f"/support/rate/{token}")
    assert response.status_code == 400
    assert "does not work" in response.get_data(as_text=True)


def test_a_link_naming_no_request_or_a_bad_value_is_refused(app, desk, client):
    """A validly signed link for a request that does not exist is treated as forged."""
    with app.app_context():
        ghost = SupportRequest(id=987654)
        token = links.rating_token(ghost, Rating.GOOD)
    assert client.get(f"/support/rate/{token}").status_code == 400


def test_an_expired_link_says_so_and_offers_the_request(app, desk, client, solved, monkeypatch):
    """Past SUPPORT_RATING_DAYS the link rates nothing; the page links to the request."""
    record = solved(email="someone@example.org")
    days = app.config["SUPPORT_RATING_DAYS"]
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner,
        "get_timestamp",
        lambda self: real(self) - int(timedelta(days=days + 1).total_seconds()),
    )
    with app.app_context():
        token = links.rating_token(db.session.get(SupportRequest, record.id), Rating.GOOD)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = client.get(f"/support/rate/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "expired" in page and "/support/r/" in page
    assert client.post_form(f"/support/rate/{token}", {"rating": "good"}).status_code == 410
    assert load(app, record).rated_at is None


def test_a_request_reopened_after_the_email_cannot_be_rated_yet(app, desk, client, solved):
    """When the customer wrote again after "solved", the link waits for the next solve."""
    record = solved(by=desk.customer)
    good, _bad = rating_links(app, desk.customer.email)
    member = logged_in(app, desk.customer)
    assert member.post_form(record.customer_path, {"body": "Still broken"}).status_code == 302
    response = client.get(good)
    assert response.status_code == 409 and "open again" in response.get_data(as_text=True)


def test_the_request_page_rates_once(app, desk, solved):
    """A signed-in customer rates on the request page; a second answer changes nothing."""
    record = solved(by=desk.customer)
    client = logged_in(app, desk.customer)
    page = client.get(record.customer_path).get_data(as_text=True)
    assert "Did we solve it?" in page
    assert client.post_form(record.customer_path + "/rate", {"rating": "maybe"}).status_code == 422
    first = client.post_form(record.customer_path + "/rate", {"rating": "good", "comment": "Great"})
    assert first.status_code == 302
    client.post_form(record.customer_path + "/rate", {"rating": "bad"})
    stored = load(app, record)
    assert stored.rating == "good" and stored.rating_comment == "Great"
    assert "You told us this request was solved" in client.get(record.customer_path).get_data(
        as_text=True
    )


def test_an_open_request_offers_no_rating(app, desk, open_request):
    """Until it is solved there is nothing to rate: the form is absent and a POST is refused."""
    record = open_request(by=desk.customer)
    client = logged_in(app, desk.customer)
    assert "Did we solve it?" not in client.get(record.customer_path).get_data(as_text=True)
    response = client.post_form(record.customer_path + "/rate", {"rating": "good"})
    assert response.status_code == 422
    assert "once it is solved" in response.get_data(as_text=True)
    assert load(app, record).rated_at is None


def test_a_long_comment_is_refused(app, desk, client, solved):
    """A comment over the limit is refused beside the field and nothing is recorded."""
    record = solved(email="someone@example.org")
    good, _bad = rating_links(app, "someone@example.org")
    response = client.post_form(good, {"rating": "good", "comment": "x" * 2001})
    assert response.status_code == 422
    assert load(app, record).rated_at is None
