"""`flask outbox run` worker processes against a real SMTP server: kills, stops, concurrency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from community.extensions import db
from community.outbox.models import OutboxMessage, OutboxStatus
from community.outbox.services import Email, enqueue_email, enqueue_emails
from tests.conftest import TEST_SECRET
from tests.services import ROOT, SmtpServer, free_port, run_flask, wait_for

pytestmark = [pytest.mark.smtp, pytest.mark.slow]


def queue_many(app, count: int) -> set[str]:
    """Queue `count` emails in one transaction; return their Message-IDs."""
    with app.app_context():
        for number in range(count):
            enqueue_email(
                to=f"person{number}@example.com",
                subject=f"Message {number}",
                template="password_reset",
                context={"user": {"display_name": "P"}, "reset_url": "u", "valid_minutes": 1},
                dedupe_key=f"bulk:{number}",
                category="test",
            )
        db.session.commit()
        return set(db.session.scalars(select(OutboxMessage.message_id)))


def queue_bulk(app, count: int) -> set[str]:
    """Queue `count` emails with the many-at-once path; return their Message-IDs."""
    context = {"user": {"display_name": "P"}, "reset_url": "u", "valid_minutes": 1}
    emails = [
        Email(
            to=f"person{number}@example.com",
            subject=f"Message {number}",
            template="password_reset",
            context=context,
            dedupe_key=f"bulk:{number}",
            category="test",
        )
        for number in range(count)
    ]
    with app.test_request_context():
        for start in range(0, count, 500):
            enqueue_emails(emails[start : start + 500])
        db.session.commit()
        return set(db.session.scalars(select(OutboxMessage.message_id)))


def worker_env(database_url: str, smtp_url: str, tmp_path, name: str, **extra: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE": str(tmp_path / name),
        "SECRET_KEY": TEST_SECRET,
        "MAIL_URL": smtp_url,
        "OUTBOX_BATCH_SIZE": "10",
        "OUTBOX_LEASE_SECONDS": "3",
        "SMTP_TIMEOUT_SECONDS": "5",
        "OUTBOX_BACKOFF_SECONDS": "1",
        **extra,
    }


def start_worker(database_url: str, smtp_url: str, tmp_path, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", "--poll", "0.3"],
        cwd=ROOT,
        env={**os.environ, **worker_env(database_url, smtp_url, tmp_path, name)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def all_sent(app) -> bool:
    with app.app_context():
        states = set(db.session.scalars(select(OutboxMessage.status)))
        db.session.remove()
        return states == {OutboxStatus.SENT}


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def row_states(app) -> Counter:
    """How many rows are in each status, and how many still carry a claim."""
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.claim_token)).all()
        db.session.remove()
    states = Counter(status for status, _ in rows)
    states["claimed"] = sum(1 for _, token in rows if token is not None)
    return states


def test_a_worker_killed_mid_batch_loses_nothing(app, database_url, tmp_path):
    """SIGKILL during a batch: a new worker delivers every email; at most one arrives twice.

    With the default OUTBOX_COMMIT_EVERY=1 each send is recorded before the next one starts,
    so only the message on the wire when the worker died is sent again.
    """
    server = SmtpServer(port=free_port(), delay=0.08)
    server.start()
    expected = queue_many(app, 30)
    first = start_worker(database_url, server.url, tmp_path, "first")
    second = None
    try:
        wait_for(lambda: len(server.received) >= 6, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        received_at_kill = len(server.received)
        assert received_at_kill < 30, "the worker finished before it could be killed"

        second = start_worker(database_url, server.url, tmp_path, "second")
        wait_for(lambda: all_sent(app), timeout=60, interval=0.2)
    finally:
        stop(first)
        if second is not None:
            stop(second)
        server.stop()

    delivered = Counter(mail.message["Message-ID"] for mail in server.received)
    assert set(delivered) == expected, "every queued email arrived"
    duplicates = [message_id for message_id, count in delivered.items() if count > 1]
    assert len(duplicates) <= 1, f"more than the in-flight message was resent: {duplicates}"
    assert all(count <= 2 for count in delivered.values())


def test_sigterm_with_a_large_backlog_stops_at_once_and_leaves_nothing_leased(
    app, database_url, tmp_path
):
    """SIGTERM mid-backlog: exit 0 within 2 s, the rest queued and unclaimed, nothing sent twice."""
    total = 2000
    server = SmtpServer(port=free_port(), delay=0.01)
    server.start()
    expected = queue_bulk(app, total)
    worker = start_worker(database_url, server.url, tmp_path, "busy")
    try:
        wait_for(lambda: len(server.received) >= 50, timeout=30)
        asked = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=10)
        took = time.monotonic() - asked
    finally:
        stop(worker)
        server.stop()

    assert code == 0, worker.stderr.read().decode() if worker.stderr else code
    assert took < 2, f"the worker took {took:.1f} s to stop"
    states = row_states(app)
    assert states[OutboxStatus.SENDING] == 0 and states["claimed"] == 0
    assert states[OutboxStatus.SENT] + states[OutboxStatus.QUEUED] == total
    assert states[OutboxStatus.QUEUED] > 0, "the backlog was emptied before the stop"
    delivered = Counter(mail.message["Message-ID"] for mail in server.received)
    assert max(delivered.values()) == 1, "a SIGTERM resends nothing"
    assert set(delivered) <= expected
    assert len(delivered) == states[OutboxStatus.SENT], "every send is recorded, no more"
    with app.app_context():
        spent = db.session.scalars(
            select(OutboxMessage.attempts).where(OutboxMessage.status == OutboxStatus.QUEUED)
        )
        assert set(spent) == {0}, "handing back a batch spends no attempt"


def test_once_sends_everything_due_however_many_batches(app, database_url, tmp_path):
    """`outbox run --once` with batches of one and 1,050 due emails sends all and exits 0.

    Past 1,000 batches on purpose (the old cap); claiming is the same code on both databases
    and each claim is a commit, so this runs on SQLite only to keep the suite's time.
    """
    if not database_url.startswith("sqlite"):
        pytest.skip("1,000 claim commits: SQLite alone shows the cap is gone")
    total = 1050
    server = SmtpServer(port=free_port())
    server.start()
    expected = queue_bulk(app, total)
    env = worker_env(database_url, server.url, tmp_path, "once", OUTBOX_BATCH_SIZE="1")
    try:
        output = run_flask(tmp_path / "once", env, "outbox", "run", "--once")
    finally:
        server.stop()
    assert f"sent {total}, retrying 0, failed 0" in output
    assert row_states(app)[OutboxStatus.SENT] == total
    delivered = Counter(mail.message["Message-ID"] for mail in server.received)
    assert set(delivered) == expected and max(delivered.values()) == 1


def test_two_workers_at_once_send_each_email_exactly_once(app, database_url, tmp_path):
    """Concurrent workers claim disjoint batches (SKIP LOCKED on PostgreSQL)."""
    server = SmtpServer(port=free_port(), delay=0.01)
    server.start()
    expected = queue_many(app, 60)
    workers = [start_worker(database_url, server.url, tmp_path, f"w{n}") for n in range(2)]
    try:
        wait_for(lambda: all_sent(app), timeout=60, interval=0.2)
    finally:
        for worker in workers:
            stop(worker)
        server.stop()
    delivered = Counter(mail.message["Message-ID"] for mail in server.received)
    assert set(delivered) == expected
    assert max(delivered.values()) == 1
