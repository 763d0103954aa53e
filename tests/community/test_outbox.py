"""The outbox in one process: transactions, dedupe, SMTP delivery, retries, unsubscribe."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update

from community.app import create_app
from community.db import utcnow
from community.extensions import db
from community.outbox import delivery
from community.outbox.models import OutboxMessage, OutboxStatus
from community.outbox.services import enqueue_email, is_opted_out, opt_out
from community.outbox.transports import SmtpSettings, SmtpTransport, TransientError
from community.registry import EmailList, add_email_list
from tests.community.outbox_helpers import link_in, queued_to
from tests.services import SmtpServer, free_port, wait_for

pytestmark = pytest.mark.smtp


def queue(app, to="ana@example.com", key="test:1", list_key=None, subject="Hello 你好"):
    """Queue the password-reset template as a stand-in for any email, and commit."""
    with app.app_context():
        message_id = enqueue_email(
            to=to,
            subject=subject,
            template="password_reset",
            context={
                "user": {"display_name": "Ana"},
                "reset_url": "http://portal.test/x",
                "valid_minutes": 60,
            },
            dedupe_key=key,
            category="test",
            list_key=list_key,
        )
        db.session.commit()
        return message_id


def deliver(app):
    with app.app_context():
        return delivery.deliver_pending()


def statuses(app):
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_a_rolled_back_transaction_queues_nothing(app):
    """An email enqueued in a transaction that rolls back is never sent."""
    with app.app_context():
        enqueue_email(
            to="ana@example.com",
            subject="x",
            template="password_reset",
            context={"user": {"display_name": "Ana"}, "reset_url": "u", "valid_minutes": 1},
            dedupe_key="rolled-back",
            category="test",
        )
        db.session.rollback()
    assert queued_to(app, "ana@example.com") == []
    assert deliver(app).handled == 0


def test_one_event_never_queues_two_emails_for_one_person(app):
    """The same dedupe key twice gives one row; the second call says so with None."""
    first = queue(app, key="shipment:42:delivered:ana")
    second = queue(app, key="shipment:42:delivered:ana")
    assert first is not None and second is None
    assert len(queued_to(app, "ana@example.com")) == 1


def test_file_transport_writes_eml_files_by_default(app, tmp_path):
    """Without MAIL_URL, each email becomes an .eml file under the instance folder."""
    queue(app, key="file:1")
    report = deliver(app)
    assert report.sent == 1
    files = list((tmp_path / "instance" / "mail").glob("*.eml"))
    assert len(files) == 1
    content = files[0].read_bytes()
    assert b"To: ana@example.com" in content
    assert b"Content-Type: multipart/alternative" in content
    assert statuses(app) == [OutboxStatus.SENT]


def test_smtp_delivery_has_recipients_subject_parts_and_unsubscribe_header(make_app, smtp_server):
    """Mail reaching a real SMTP server carries both bodies and one-click unsubscribe."""
    app = make_app(MAIL_URL=smtp_server.url)
    add_email_list(app, EmailList("test-news", "Test news"))
    queue(app, to="li@example.com", key="smtp:1", list_key="test-news")
    assert deliver(app).sent == 1

    [mail] = smtp_server.received
    assert mail.recipients == ["li@example.com"]
    message = mail.message
    assert message["Subject"] == "Hello 你好"
    assert message["To"] == "li@example.com"
    assert message["Message-ID"] == queued_to(app, "li@example.com")[0].message_id
    assert message["List-Unsubscribe"].startswith("<http://portal.test/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "http://portal.test/x" in plain and "http://portal.test/x" in html
    assert "Unsubscribe" in html


def test_server_down_means_retry_with_backoff_then_success(make_app):
    """A refused connection schedules a retry later; once the server is up, it is sent."""
    port = free_port()
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{port}", OUTBOX_BACKOFF_SECONDS=60)
    queue(app, key="down:1")
    queue(app, key="down:2")
    report = deliver(app)
    assert (report.sent, report.retried) == (0, 1)
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [row.status for row in rows] == [OutboxStatus.QUEUED] * 2
        assert rows[0].attempts == 1 and "cannot reach" in rows[0].last_error
        assert rows[1].attempts == 0  # never tried: released with the first one's retry time
        assert rows[0].next_attempt_at > utcnow() + timedelta(seconds=50)
    assert deliver(app).handled == 0  # not due yet: backoff is respected

    server = SmtpServer(port=port)
    server.start()
    try:
        with app.app_context():  # time passes
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
        assert deliver(app).sent == 2
        assert len(server.received) == 2
    finally:
        server.stop()


def test_backoff_grows_exponentially():
    """Each failed attempt waits about twice as long as the one before."""
    delays = [delivery.backoff_seconds(attempt, 30) for attempt in range(1, 6)]
    for earlier, later in itertools.pairwise(delays):
        assert 1.6 < later / earlier < 2.5
    assert delivery.backoff_seconds(40, 30) <= 6 * 3600 * 1.1


def test_out_of_attempts_is_a_visible_permanent_failure(make_app):
    """After the last try the message is failed, with the error, and no longer retried."""
    port = free_port()
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{port}", OUTBOX_MAX_ATTEMPTS=2)
    queue(app, key="doomed")
    for _ in range(2):
        deliver(app)
        with app.app_context():
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == OutboxStatus.FAILED
        assert row.attempts == 2
        assert "cannot reach" in row.last_error
    assert deliver(app).handled == 0


class RejectingServer(SmtpServer):
    """Refuses one mailbox with 550, as a real server does for an unknown user."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_5xx_refusal_fails_at_once_without_retry(make_app):
    """A permanent refusal (550) is not retried; other mail still goes out."""
    server = RejectingServer(port=free_port())
    server.start()
    try:
        app = make_app(MAIL_URL=server.url)
        queue(app, to="nobody@example.com", key="r:1")
        queue(app, to="someone@example.com", key="r:2")
        report = deliver(app)
        assert (report.sent, report.failed, report.retried) == (1, 1, 0)
        [failed] = queued_to(app, "nobody@example.com")
        assert failed.status == OutboxStatus.FAILED and "550" in failed.last_error
        assert [mail.recipients for mail in server.received] == [["someone@example.com"]]
    finally:
        server.stop()


def test_commit_wakes_the_delivery_loop(make_app, smtp_server):
    """The delivery thread sends a new email right after the commit, not at the next poll."""
    app = make_app(MAIL_URL=smtp_server.url)
    stop = threading.Event()
    worker = threading.Thread(target=delivery.run_worker, args=(app, stop, 60), daemon=True)
    worker.start()
    try:
        wait_for(lambda: True, timeout=0.3)  # let the loop finish its first (empty) pass
        queue(app, key="wake:1")
        wait_for(lambda: smtp_server.received, timeout=5)
    finally:
        stop.set()
        delivery.wake()
        worker.join(timeout=5)
    assert len(smtp_server.received) == 1


def test_unsubscribe_link_confirms_then_stops_that_list(make_app, client):
    """GET asks; POST unsubscribes; later emails of that list are not queued; undo works."""
    app = client.application
    add_email_list(app, EmailList("forum.replies", "Replies to topics you watch"))
    queue(app, to="mei@example.com", key="u:1", list_key="forum.replies:topic:7")
    [mail] = queued_to(app, "mei@example.com")
    path = link_in(mail.body_text, "/email/unsubscribe/")

    page = client.get(path)
    assert page.status_code == 200
    assert "Replies to topics you watch" in page.get_data(as_text=True)
    with app.app_context():
        assert not is_opted_out("mei@example.com", "forum.replies:topic:7")

    assert client.post(path).status_code == 200  # one-click: no cookie, no CSRF token
    with app.app_context():
        assert is_opted_out("mei@example.com", "forum.replies:topic:7")
        assert not is_opted_out("mei@example.com", "forum.replies:topic:8")
    assert queue(app, to="mei@example.com", key="u:2", list_key="forum.replies:topic:7") is None

    client.post(path, data={"action": "resubscribe"})
    with app.app_context():
        assert not is_opted_out("mei@example.com", "forum.replies:topic:7")


def test_opting_out_of_a_whole_list_covers_its_scoped_parts(app):
    """Unsubscribing from `forum.replies` also stops `forum.replies:topic:N`."""
    with app.app_context():
        opt_out("MEI@example.com", "forum.replies")
        db.session.commit()
        assert is_opted_out("mei@example.com", "forum.replies:topic:99")
        assert not is_opted_out("mei@example.com", "forum.mentions")


@pytest.mark.parametrize("token", ["garbage", "x" * 500, "WyJhQGIuYyIsImZvcnVtIl0.bad"])
def test_a_tampered_unsubscribe_link_is_refused(client, token):
    """Only links we signed unsubscribe anyone."""
    assert client.get(f"/email/unsubscribe/{token}").status_code == 404
    assert client.post(f"/email/unsubscribe/{token}").status_code == 404


class StoppingServer(SmtpServer):
    """Asks the deliverer to stop once it has received `after` messages, as SIGTERM would."""

    def __init__(self, port: int, stop: threading.Event, after: int) -> None:
        super().__init__(port=port)
        self.stop_event = stop
        self.after = after

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.received) >= self.after:
            self.stop_event.set()
        return reply


def test_a_stop_mid_batch_hands_the_rest_back_at_once(make_app):
    """The message in flight finishes; the rest are queued again, unclaimed, no try spent."""
    stop = threading.Event()
    server = StoppingServer(free_port(), stop, after=3)
    server.start()
    try:
        app = make_app(MAIL_URL=server.url, OUTBOX_BATCH_SIZE=10)
        for number in range(8):
            queue(app, to=f"p{number}@example.com", key=f"stop:{number}")
        with app.app_context():
            report = delivery.deliver_pending(stop=stop)
    finally:
        server.stop()
    assert (report.sent, report.released) == (3, 5)
    assert len(server.received) == 3
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [row.status for row in rows] == [OutboxStatus.SENT] * 3 + [OutboxStatus.QUEUED] * 5
    assert all(row.claim_token is None and row.lease_expires_at is None for row in rows)
    assert [row.attempts for row in rows[3:]] == [0] * 5


def test_a_stop_asked_before_delivery_sends_nothing(make_app, smtp_server):
    """A worker told to stop before it starts leaves the queue as it found it."""
    app = make_app(MAIL_URL=smtp_server.url)
    queue(app, key="early:1")
    stop = threading.Event()
    stop.set()
    with app.app_context():
        assert delivery.deliver_pending(stop=stop).handled == 0
    assert smtp_server.received == []
    assert statuses(app) == [OutboxStatus.QUEUED]


@pytest.mark.parametrize("every", [0, -5, 1, 1000])
def test_sends_and_refusals_are_recorded_in_order_whatever_the_group_size(make_app, every):
    """Grouped or not (0 and below count as 1), each email ends sent or failed, none claimed."""
    server = RejectingServer(port=free_port())
    server.start()
    try:
        app = make_app(MAIL_URL=server.url, OUTBOX_COMMIT_EVERY=every)
        addresses = ["a@example.com", "b@example.com", "nobody@example.com", "c@example.com"]
        for number, address in enumerate(addresses):
            queue(app, to=address, key=f"group:{number}")
        report = deliver(app)
    finally:
        server.stop()
    assert (report.sent, report.failed) == (3, 1)
    assert statuses(app) == [OutboxStatus.SENT] * 2 + [OutboxStatus.FAILED, OutboxStatus.SENT]
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
    assert all(row.claim_token is None for row in rows)
    assert all(row.sent_at is not None for row in rows if row.status == OutboxStatus.SENT)


def test_a_bad_commit_group_size_stops_start_up(tmp_path, monkeypatch):
    """OUTBOX_COMMIT_EVERY=many is refused at start with the variable's name."""
    monkeypatch.setenv("OUTBOX_COMMIT_EVERY", "many")
    with pytest.raises(RuntimeError, match="OUTBOX_COMMIT_EVERY must be a whole number"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_a_kept_open_connection_the_server_dropped_is_opened_again():
    """A server restart between two emails costs no retry: the second goes on a new connection."""
    port = free_port()
    server = SmtpServer(port=port)
    server.start()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
    message.set_content("hello")
    try:
        with SmtpTransport(SmtpSettings.from_url(server.url), timeout=5) as transport:
            transport.send(message, key="1")
            server.stop()
            server = SmtpServer(port=port)
            server.start()
            transport.send(message, key="2")
    finally:
        server.stop()
    assert len(server.received) == 1


def test_a_server_that_stays_away_is_still_a_retry():
    """Reconnecting once is all: a server that is gone gives the usual transient error."""
    port = free_port()
    server = SmtpServer(port=port)
    server.start()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
    message.set_content("hello")
    with SmtpTransport(SmtpSettings.from_url(server.url), timeout=5) as transport:
        transport.send(message, key="1")
        server.stop()
        with pytest.raises(TransientError, match="cannot reach"):
            transport.send(message, key="2")
