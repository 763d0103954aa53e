"""`community.outbox.services.enqueue_emails`, the many-at-once path tracking alerts use."""

from __future__ import annotations

import pytest

from community.extensions import db
from community.outbox.services import Email, enqueue_emails, opt_out
from tests.community.outbox_helpers import queued_to


def email(to: str, key: str, list_key: str | None = "news:topic:1", locale: str = "en") -> Email:
    return Email(
        to=to,
        subject="Hello",
        template="password_reset",
        context={
            "user": {"display_name": "Ana"},
            "reset_url": "http://portal.test/x",
            "valid_minutes": 5,
        },
        dedupe_key=key,
        category="test",
        list_key=list_key,
        locale=locale,
    )


def test_many_emails_are_queued_once_each(app):
    """A repeated dedupe key, in the call or already queued, is queued only once."""
    with app.test_request_context():
        assert enqueue_emails([email("a@example.com", "k1"), email("a@example.com", "k1")]) == 1
        assert enqueue_emails([email("a@example.com", "k1"), email("b@example.com", "k2")]) == 1
        db.session.commit()
    assert len(queued_to(app, "a@example.com")) == 1
    assert len(queued_to(app, "b@example.com")) == 1


def test_opted_out_addresses_are_skipped_by_list_and_by_scope(app):
    """An opt-out of the list, or of the scoped key, skips the email; others still go."""
    with app.test_request_context():
        opt_out("a@example.com", "news")
        opt_out("b@example.com", "news:topic:1")
        added = enqueue_emails(
            [
                email("A@example.com", "k1"),
                email("b@example.com", "k2"),
                email("b@example.com", "k3", list_key="news:topic:2"),
                email("c@example.com", "k4"),
            ]
        )
        db.session.commit()
    assert added == 2
    assert queued_to(app, "A@example.com") == []
    assert [row.dedupe_key for row in queued_to(app, "b@example.com")] == ["k3"]


def test_unsubscribable_emails_carry_the_link_and_header(app):
    """With a list key: a signed unsubscribe link in both bodies and the RFC 8058 headers."""
    with app.test_request_context():
        enqueue_emails([email("a@example.com", "k1"), email("n@example.com", "k2", list_key=None)])
        db.session.commit()
    [row] = queued_to(app, "a@example.com")
    assert row.headers["List-Unsubscribe"].startswith("<http://portal.test/email/unsubscribe/")
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/email/unsubscribe/" in row.body_text and "/email/unsubscribe/" in row.body_html
    [plain] = queued_to(app, "n@example.com")
    assert plain.headers == {} and "/email/unsubscribe/" not in plain.body_text


def test_a_rolled_back_transaction_queues_nothing(app):
    """The rows belong to the caller's transaction."""
    with app.test_request_context():
        assert enqueue_emails([email("a@example.com", "k1")]) == 1
        db.session.rollback()
    assert queued_to(app, "a@example.com") == []


@pytest.mark.parametrize("emails", [[]])
def test_nothing_to_queue_is_fine(app, emails):
    """An empty list queues nothing and runs no statement that could fail."""
    with app.test_request_context():
        assert enqueue_emails(emails) == 0
