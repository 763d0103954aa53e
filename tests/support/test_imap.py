"""`flask support fetch` against a real IMAP server (Dovecot, started by the suite): every
message is taken once, marked seen only after its commit, and survives a killed fetcher."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.heartbeats import WorkerHeartbeat
from support.mail.imap import ImapSettings
from support.models import InboundMail, SupportRequest
from tests.conftest import TEST_SECRET
from tests.services import ROOT, require_service, wait_for
from tests.support.imap_server import PASSWORD, dovecot_available, dovecot_server
from tests.support.mail_helpers import compose, eml, inbound_rows, request_rows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dovecot():  # type: ignore[no-untyped-def]
    require_service("Dovecot", dovecot_available())
    with dovecot_server() as server:
        yield server


@pytest.fixture
def mailbox(dovecot, app, desk):  # type: ignore[no-untyped-def]
    """An empty INBOX that the app fetches from."""
    dovecot.clear()
    app.config["SUPPORT_IMAP_URL"] = dovecot.url
    return dovecot


def numbered(count: int, start: int = 0) -> list[bytes]:
    return [
        compose(
            sender=f"Customer {number} <customer{number}@customer.test>",
            subject=f"Question number {number}",
            message_id=f"<fetch-{number}@customer.test>",
            body=f"Question {number}: where is my parcel?",
        )
        for number in range(start, start + count)
    ]


def fetch(app):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["support", "fetch"])
    assert result.exit_code == 0, result.output
    return result.stdout


def stored_count(app, model=InboundMail) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return int(count or 0)


def start_worker(app, database_url: str, tmp_path) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE": str(tmp_path / "worker"),
        "SECRET_KEY": TEST_SECRET,
        "SUPPORT_IMAP_URL": app.config["SUPPORT_IMAP_URL"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "support", "fetch", "--every", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_fetch_turns_unseen_messages_into_requests_and_marks_them_seen(app, mailbox):
    """Each unseen message becomes a request; all are seen after; a second fetch adds none."""
    mailbox.append(numbered(5))
    output = fetch(app)
    print(output)  # the rate, for whoever reads the test log
    assert output.startswith("fetched 5: 5 new requests, 0 replies")
    assert len(request_rows(app)) == 5
    assert (mailbox.count("UNSEEN"), mailbox.count("SEEN")) == (0, 5)
    assert fetch(app).startswith("fetched 0:")
    assert len(request_rows(app)) == 5


def test_messages_committed_but_not_marked_are_only_marked(app, mailbox):
    """A fetcher stopped between commit and \\Seen: the next one doubles nothing."""
    mailbox.append(numbered(4))
    fetch(app)
    mailbox.mark_all_unseen()
    assert fetch(app).startswith(
        "fetched 4: 0 new requests, 0 replies, 0 automatic, 0 bounces, "
        "0 refused, 4 already received"
    )
    assert len(request_rows(app)) == len(inbound_rows(app)) == 4
    assert mailbox.count("UNSEEN") == 0


def test_one_bad_message_does_not_stop_the_others(app, mailbox):
    """Garbage, a giant, an empty body, a lying file, robots: each dealt with alone."""
    app.config["SUPPORT_MAX_MESSAGE_BYTES"] = 20_000
    mailbox.append(
        [
            numbered(1, start=1)[0],
            bytes(range(256)) * 8,
            compose(message_id="<giant@customer.test>", body="z" * 50_000),
            compose(message_id="<empty@customer.test>", body=""),
            eml("attachments.eml"),
            compose(message_id="<ooo@customer.test>", headers={"Auto-Submitted": "auto-replied"}),
            eml("bounce.eml", number="100001", in_reply_to="<unknown@portico.localhost>"),
            numbered(1, start=2)[0],
        ]
    )
    output = fetch(app)
    assert output.startswith(
        "fetched 8: 3 new requests, 0 replies, 1 automatic, 1 bounces, 3 refused, "
        "0 already received, 0 failed"
    )
    assert mailbox.count("UNSEEN") == 0
    reasons = {row.message_id: row.reason for row in inbound_rows(app)}
    assert "too large" in reasons["<giant@customer.test>"]
    assert any(reason.startswith("not a message") for reason in reasons.values())


def test_a_fetcher_killed_mid_batch_loses_nothing_and_doubles_nothing(
    app, mailbox, database_url, tmp_path
):
    """SIGKILL during a batch, then a restart: every message is a request exactly once."""
    total = 150
    mailbox.append(numbered(total))
    worker = start_worker(app, database_url, tmp_path)
    try:
        wait_for(lambda: stored_count(app) >= 10, timeout=60, interval=0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert stored_count(app) < total, "the worker finished before it could be killed"
    fetch(app)
    assert stored_count(app) == stored_count(app, SupportRequest) == total
    with app.app_context():
        ids = set(db.session.scalars(select(InboundMail.message_id)))
    assert ids == {f"<fetch-{number}@customer.test>" for number in range(total)}
    assert (mailbox.count("UNSEEN"), mailbox.count("SEEN")) == (0, total)


def test_the_worker_stops_after_the_message_in_hand_on_sigterm(
    app, mailbox, database_url, tmp_path
):
    """SIGTERM: the worker marks what it committed, reports, and exits 0 promptly."""
    total = 150
    mailbox.append(numbered(total))
    worker = start_worker(app, database_url, tmp_path)
    try:
        wait_for(lambda: stored_count(app) >= 20, timeout=60, interval=0.02)
        worker.send_signal(signal.SIGTERM)
        stdout, stderr = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, stderr.decode()
    assert stdout.decode().startswith("fetched ")
    assert b"Traceback" not in stderr
    assert mailbox.count("SEEN") == stored_count(app) < total
    fetch(app)
    assert stored_count(app, SupportRequest) == total


def test_a_wrong_password_is_a_clear_error_without_the_password(app, mailbox):
    """A refused login: exit 1, the server named, the password never printed."""
    app.config["SUPPORT_IMAP_URL"] = mailbox.url.replace(PASSWORD, "wrong-secret")
    result = app.test_cli_runner().invoke(args=["support", "fetch"])
    assert result.exit_code == 1
    assert f"127.0.0.1:{mailbox.port}" in result.output
    assert "wrong-secret" not in result.output and "Traceback" not in result.output


def test_the_mailbox_url_is_read_with_its_defaults():
    """imaps:// defaults to 993 and INBOX; imap:// to 143; user and password are unquoted."""
    secure = ImapSettings.from_url("imaps://help%40example.com:p%2Fw%3Ad@mail.example.com")
    assert (secure.host, secure.port, secure.mailbox, secure.tls) == (
        "mail.example.com",
        993,
        "INBOX",
        True,
    )
    assert (secure.user, secure.password) == ("help@example.com", "p/w:d")
    plain = ImapSettings.from_url("imap://u:p@mail.example.com/Support%20Mail?starttls=1")
    assert (plain.port, plain.mailbox, plain.tls, plain.starttls) == (
        143,
        "Support Mail",
        False,
        True,
    )


def test_a_fetch_worker_reports_a_heartbeat_after_each_poll(app, mailbox, database_url, tmp_path):
    """`/healthz` can tell a live fetcher from a silent one: each poll that reached the
    mailbox is recorded as `support-fetch`, with the worker's process."""
    mailbox.append(numbered(3))
    worker = start_worker(app, database_url, tmp_path)
    try:
        beat = wait_for(lambda: heartbeat_of(app, "support-fetch"), timeout=60)
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert beat.process.endswith(f":{worker.pid}")
    assert stored_count(app, SupportRequest) == 3
    workers = app.test_client().get("/healthz").get_json()["workers"]
    assert workers["support-fetch"]["ok"] is True


def heartbeat_of(app, name: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(WorkerHeartbeat, name)
