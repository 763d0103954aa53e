"""`flask outbox run` worker processes against a real SMTP server: kills and concurrency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from community.extensions import db
from community.outbox.models import OutboxMessage, OutboxStatus
from community.outbox.services import enqueue_email
from tests.conftest import TEST_SECRET
from tests.services import ROOT, SmtpServer, free_port, wait_for

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


def start_worker(database_url: str, smtp_url: str, tmp_path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE": str(tmp_path / name),
        "SECRET_KEY": TEST_SECRET,
        "MAIL_URL": smtp_url,
        "OUTBOX_BATCH_SIZE": "10",
        "OUTBOX_LEASE_SECONDS": "3",
        "SMTP_TIMEOUT_SECONDS": "5",
        "OUTBOX_BACKOFF_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", "--poll", "0.3"],
        cwd=ROOT,
        env=env,
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


def test_a_worker_killed_mid_batch_loses_nothing(app, database_url, tmp_path):
    """SIGKILL during a batch: a new worker delivers every email; at most one arrives twice."""
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
