"""Outbox delivery rate: `flask outbox run` workers against a real SMTP server on loopback.

`python -m bench.outbox [--emails 5000] [--workers 1 2] [--databases sqlite postgresql]`
queues the emails in one transaction, starts the workers, and reports emails per second
between the first and the last message the server (aiosmtpd, no delay) received. Each run has
a database of its own: a SQLite file, or a PostgreSQL database created and dropped here.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from community.app import create_app
from community.extensions import db
from community.outbox.services import Email, enqueue_emails
from tests.services import ROOT, SmtpServer, free_port, postgres_admin_url

SECRET = "bench-secret-key-that-is-long-enough-for-portico"


def _postgres_database() -> str:
    name = f"portico_bench_outbox_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgres_admin_url().rsplit("/", 1)[0] + "/" + name


def _drop_postgres(url: str) -> None:
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        name = url.rsplit("/", 1)[1]
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _queue(url: str, instance: Path, count: int) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET}
    )
    context = {"user": {"display_name": "P"}, "reset_url": "http://x/r", "valid_minutes": 5}
    with app.test_request_context():
        db.create_all()
        emails = [
            Email(
                to=f"person{n}@example.com",
                subject=f"Message {n}",
                template="password_reset",
                context=context,
                dedupe_key=f"bench:{n}",
                category="bench",
            )
            for n in range(count)
        ]
        for start in range(0, count, 1000):
            enqueue_emails(emails[start : start + 1000])
        db.session.commit()
        db.engine.dispose()


class TimedSmtpServer(SmtpServer):
    """Counts messages and notes when the first and the last arrived; keeps nothing.

    Parsing each message, as the tests' server does, would make the server the bottleneck.
    """

    count: int = 0
    first_at: float = 0.0
    last_at: float = 0.0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        now = time.perf_counter()
        if not self.count:
            self.first_at = now
        self.last_at = now
        self.count += 1
        return "250 Message accepted"


def _run(url: str, instance: Path, count: int, workers: int, batch: int) -> float:
    """Deliver `count` queued emails with `workers` processes; emails per second."""
    _queue(url, instance, count)
    server = TimedSmtpServer(port=free_port())
    server.start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_INSTANCE": str(instance),
        "SECRET_KEY": SECRET,
        "MAIL_URL": server.url,
        "OUTBOX_DELIVERY": "worker",
        "OUTBOX_BATCH_SIZE": str(batch),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", "--poll", "1"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        deadline = time.monotonic() + 600
        while server.count < count and time.monotonic() < deadline:
            time.sleep(0.2)
        first, last = server.first_at, server.last_at
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        server.stop()
    received = server.count
    if received < count:
        print(f"  only {received} of {count} arrived")
    return (received - 1) / (last - first) if received > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--batch", type=int, default=20, help="OUTBOX_BATCH_SIZE")
    args = parser.parse_args()
    for kind in args.databases:
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as folder:
                instance = Path(folder)
                if kind == "sqlite":
                    url = f"sqlite:///{instance / 'portico.db'}"
                else:
                    url = _postgres_database()
                try:
                    rate = _run(url, instance, args.emails, workers, args.batch)
                finally:
                    if kind == "postgresql":
                        _drop_postgres(url)
            print(f"{kind}, {workers} worker(s), {args.emails} emails: {rate:,.0f} emails/s")


if __name__ == "__main__":
    main()
