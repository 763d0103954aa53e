"""The sweep: unread bursts emailed once through the outbox, backups alerted once per wait."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from community.outbox.delivery import deliver_pending
from community.outbox.models import OutboxMessage
from community.outbox.services import opt_out
from tests.community.outbox_helpers import link_in, queued_to
from tests.vip.conftest import assign, conversation_row, make_overdue, messages_in, post
from vip import services
from vip.models import VipConversation

pytestmark = pytest.mark.smtp


# The module, not the `services.sweep` function that shares its name.
sweep_module = importlib.import_module("vip.services.sweep")


def sweep(app, minutes_from_now: float = 0):
    with app.app_context():
        return services.sweep(utcnow() + timedelta(minutes=minutes_from_now))


def unread_mail(app, address):
    return [row for row in queued_to(app, address) if row.category == "vip_unread"]


def test_a_burst_left_unread_is_emailed_once_through_smtp(make_app, make_user, smtp_server):
    """Three unread messages, one email after the delay, with a link back; never again."""
    app = make_app(MAIL_URL=smtp_server.url)
    client = make_user(vip_tier="gold", display_name="Vivian Li")
    manager = make_user(display_name="Morgan Price", roles=[Role.MANAGER])
    conversation_id = assign(app, client, manager)
    for text in ("Is PO-1042 on time?", "It is *urgent*.", "Thanks!"):
        post(app, client, conversation_id, text)

    assert sweep(app, minutes_from_now=9).emails == 0, "not before the delay"
    assert sweep(app, minutes_from_now=11).emails == 1
    assert sweep(app, minutes_from_now=12).emails == 0, "one email per burst"
    with app.app_context():
        deliver_pending()
    (mail,) = [m for m in smtp_server.messages_to(manager.email) if "sent you" in m["Subject"]]
    assert mail["Subject"] == "Vivian Li sent you 3 messages"
    text = mail.get_body(("plain",)).get_content()
    assert "Is PO-1042 on time?" in text and "Thanks!" in text
    assert link_in(text, "/manager/conversations/") == f"/manager/conversations/{conversation_id}"
    assert "<em>urgent</em>" in mail.get_body(("html",)).get_content()
    assert "List-Unsubscribe" in mail

    # A later message starts a new burst, emailed on its own schedule.
    post(app, client, conversation_id, "One more question")
    assert sweep(app, minutes_from_now=5).emails == 0
    assert sweep(app, minutes_from_now=11).emails == 1
    assert len(unread_mail(app, manager.email)) == 2


def test_read_messages_are_not_emailed(app, pair):
    """Reading before the delay is the whole point: no email."""
    post(app, pair.client, pair.conversation_id, "hello")
    with app.test_request_context():
        services.mark_read(
            db.session.get(User, pair.manager.id),
            db.session.get(VipConversation, pair.conversation_id),
        )
    assert sweep(app, minutes_from_now=30).emails == 0
    assert unread_mail(app, pair.manager.email) == []


def test_a_managers_message_unread_by_the_client_is_emailed_to_the_client(app, pair):
    """The client's email links to the club page, in the client's own language setting."""
    post(app, pair.manager, pair.conversation_id, "Your invoice is ready.")
    assert sweep(app, minutes_from_now=11).emails == 1
    (mail,) = unread_mail(app, pair.client.email)
    assert mail.subject == "A message from your account manager is waiting"
    assert link_in(mail.body_text, "/vip/").startswith("/vip/#conversation")
    assert "Your invoice is ready." in mail.body_text


def test_an_opt_out_of_unread_emails_is_honoured_and_not_retried(app, pair):
    """Opted out: nothing queued, and the burst is not picked up again."""
    with app.app_context():
        opt_out(pair.client.email, "vip.unread")
        db.session.commit()
    post(app, pair.manager, pair.conversation_id, "hello")
    assert sweep(app, minutes_from_now=11).emails == 0
    assert unread_mail(app, pair.client.email) == []
    assert all(m.emailed_at is not None for m in messages_in(app, pair.conversation_id))


def test_the_delay_is_a_setting(make_app, make_user):
    """VIP_UNREAD_EMAIL_MINUTES=1 emails after a minute."""
    app = make_app(VIP_UNREAD_EMAIL_MINUTES=1)
    client = make_user(vip_tier="silver")
    manager = make_user(roles=[Role.MANAGER])
    conversation_id = assign(app, client, manager, tier="silver")
    post(app, client, conversation_id, "quick one")
    assert sweep(app, minutes_from_now=2).emails == 1


def test_sweepers_racing_in_parallel_queue_one_email_per_burst(app, pair):
    """Four sweeps at once (as four processes would): exactly one email."""
    for text in ("a", "b"):
        post(app, pair.client, pair.conversation_id, text)
    later = utcnow() + timedelta(minutes=11)
    results, errors = [], []
    start = threading.Barrier(4)

    def run():
        try:
            start.wait()
            with app.app_context():
                results.append(services.sweep(later).emails)
                db.session.remove()
        except Exception as error:  # reported below, with the test's own message
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(results) == 1
    assert len(unread_mail(app, pair.manager.email)) == 1


def test_a_client_past_the_promise_alerts_the_backup_once(app, pair):
    """An email to the backup, escalated_at set, and no second alert for the same wait."""
    post(app, pair.client, pair.conversation_id, "Please call me back")
    assert sweep(app).escalations == 0, "still within the promise"
    make_overdue(app, pair.conversation_id)
    assert sweep(app).escalations == 1
    assert sweep(app).escalations == 0
    alerts = [row for row in queued_to(app, pair.backup.email) if row.category == "vip_escalation"]
    assert len(alerts) == 1
    assert pair.client.display_name in alerts[0].subject
    assert f"/manager/conversations/{pair.conversation_id}" in alerts[0].body_text
    assert conversation_row(app, pair.conversation_id).escalated_at is not None

    with app.test_request_context():
        backup = db.session.get(User, pair.backup.id)
        board = services.dashboard(backup)
        assert [row.client.id for row in board.escalated] == [pair.client.id]


def test_a_new_wait_after_an_answer_alerts_the_backup_again(app, pair):
    """Each wait is its own event: answered, then overdue again, then a second alert."""
    post(app, pair.client, pair.conversation_id, "first")
    make_overdue(app, pair.conversation_id)
    sweep(app)
    post(app, pair.manager, pair.conversation_id, "sorry for the delay")
    post(app, pair.client, pair.conversation_id, "second")
    make_overdue(app, pair.conversation_id, by=timedelta(minutes=1))
    assert sweep(app).escalations == 1
    with app.app_context():
        keys = list(
            db.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.category == "vip_escalation")
            )
        )
    assert len(keys) == 2 and len(set(keys)) == 2


def test_no_backup_no_alert(app, make_user):
    """Without a backup there is nobody to alert; the client stays overdue on the dashboard."""
    client = make_user(vip_tier="gold")
    manager = make_user(roles=[Role.MANAGER])
    conversation_id = assign(app, client, manager)
    post(app, client, conversation_id, "hello")
    make_overdue(app, conversation_id)
    assert sweep(app).escalations == 0


@contextmanager
def email_failing_for(monkeypatch, address: str) -> Iterator[None]:
    """Inside the block, emailing `address` raises, as a template meeting a value it did not
    expect would; everyone else is emailed as usual."""
    real_email_person = sweep_module.email_person

    def failing_for_one(person, **kwargs):
        if person.email == address:
            raise RuntimeError("a template met a value it did not expect")
        return real_email_person(person, **kwargs)

    monkeypatch.setattr(sweep_module, "email_person", failing_for_one)
    yield
    monkeypatch.setattr(sweep_module, "email_person", real_email_person)


def test_one_burst_whose_email_fails_holds_up_no_other(app, make_pair, monkeypatch, caplog):
    """A fault while emailing one conversation fails that one alone; the next sweep is calm."""
    pairs = [make_pair() for _ in range(3)]
    for number, each in enumerate(pairs):
        post(app, each.manager, each.conversation_id, f"Your invoice number {number} is ready.")
    with email_failing_for(monkeypatch, pairs[1].client.email):
        assert sweep(app, minutes_from_now=11).emails == 2
    assert [len(unread_mail(app, each.client.email)) for each in pairs] == [1, 0, 1]
    assert "VIP unread email" in caplog.text and "a template met a value" in caplog.text
    # Set aside: the failed burst is not tried again on every pass.
    assert sweep(app, minutes_from_now=12).emails == 0


def test_one_escalation_that_fails_holds_up_no_other(app, make_pair, monkeypatch, caplog):
    pairs = [make_pair() for _ in range(3)]
    for each in pairs:
        post(app, each.client, each.conversation_id, "Where is my order?")
        make_overdue(app, each.conversation_id)
    with email_failing_for(monkeypatch, pairs[0].backup.email):
        assert sweep(app).escalations == 2
    escalated = [
        [row for row in queued_to(app, each.backup.email) if row.category == "vip_escalation"]
        for each in pairs
    ]
    assert [len(rows) for rows in escalated] == [0, 1, 1]
    assert "VIP escalation" in caplog.text
    assert sweep(app).escalations == 0
