"""Support benchmarks: the agents' inbox (each view) and a request page signed in, the
customer's list and the public `/service` page through wrk; and what wrk cannot measure: SQL
statements per page (the tests hold them flat as requests grow), and mail in through
`support fetch` against a real IMAP server (Dovecot, as the tests start it).

`make bench` runs it with the others; alone: `python -m bench.run --only support [--quick]`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from bench.database import rows
from bench.harness import ROOT, Server, count_statements
from community.app import create_app
from tests.support.imap_server import dovecot_available, dovecot_server

SEED = {"requests": 100_000, "messages-per-request": 10}
QUICK_SEED = {"requests": 5_000, "messages-per-request": 10}

AGENT = "agent@example.com"
CUSTOMER = "customer@example.com"
VIEWS = ("departments", "mine", "unassigned", "due_soon", "overdue", "waiting")
FETCHED_MESSAGES = 500


def _busy_request(env: dict[str, str]) -> str:
    """An open request with the most messages, from the middle of the table."""
    found = rows(
        env,
        "SELECT number FROM support_requests WHERE status IN ('new', 'open') "
        "ORDER BY message_count DESC, id LIMIT 1 OFFSET 50",
    )
    if not found:
        raise RuntimeError("no open support request: seed with --requests")
    return found[0][0]


def pages(portico: Server, instance: Path) -> list[tuple[str, str, str | None]]:
    number = _busy_request(portico.env)
    pages: list[tuple[str, str, str | None]] = [
        (f"agents' inbox, {view} (agent)", f"/support/?view={view}", AGENT) for view in VIEWS
    ]
    pages += [
        ("request page, staff (agent)", f"/support/requests/{number}", AGENT),
        ("your requests `/account/requests` (customer)", "/account/requests", CUSTOMER),
        ("`/service` (anonymous)", "/service", None),
        ("`/support/new` (anonymous)", "/support/new", None),
    ]
    return pages


# Query counts --------------------------------------------------------------------------------
def query_counts(instance: Path, env: dict[str, str]) -> list[str]:
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DELIVERY": "worker",
            "SUPPORT_SWEEP": "worker",
            "CACHE_TYPE": "NullCache",
        }
    )
    agent = app.test_client()
    agent.post("/login", data={"email": AGENT, "password": "demo-password"})
    agent.get("/support/")
    lines = ["| page (agent signed in) | SQL statements |", "| --- | ---: |"]
    for view in VIEWS:
        lines.append(
            f"| inbox, {view} | {count_statements(app, agent, f'/support/?view={view}')} |"
        )
    number = _busy_request(env)
    lines.append(
        f"| request page | {count_statements(app, agent, f'/support/requests/{number}')} |"
    )
    return lines


# Mail in -------------------------------------------------------------------------------------
def _message(number: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Bench Customer {number} <bench-mail-{number}@example.org>"
    mail["To"] = "support@portico.localhost"
    mail["Subject"] = f"退货申请 {number}: the parcel arrived damaged"
    mail["Message-ID"] = make_msgid(domain="bench.example.org")
    mail.set_content("Hello,\n\nthe box was crushed and the kettle is dented.\n\nThanks\n")
    return bytes(mail)


def fetch_rate(instance: Path, env: dict[str, str]) -> list[str]:
    """Append messages to a real Dovecot mailbox, then time one `support fetch`."""
    if not dovecot_available():
        return ["mail in: skipped (Dovecot is not installed: apt-get install dovecot-imapd)"]
    with dovecot_server() as server:
        fetch = _fetcher({**os.environ, **env, "SUPPORT_IMAP_URL": server.url})
        start_up = fetch()  # an empty mailbox: the process's start and one IMAP round
        server.append(_message(number) for number in range(FETCHED_MESSAGES))
        seconds = fetch()
        taken = FETCHED_MESSAGES - server.count("UNSEEN")
    return [
        f"mail in: `support fetch` turned {taken} of {FETCHED_MESSAGES} messages from a real "
        f"IMAP server (Dovecot) into requests in {seconds:.1f} s: {taken / seconds:.0f} "
        f"messages/s with the process's start, {taken / (seconds - start_up):.0f} messages/s "
        f"after it (an empty fetch took {start_up:.1f} s)"
    ]


def _fetcher(env: dict[str, str]) -> Any:
    def fetch() -> float:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "support", "fetch"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        return time.perf_counter() - started

    return fetch


def extra(instance: Path, env: dict[str, str], portico: Server, args: Any) -> list[str]:
    requests, messages = rows(
        env,
        "SELECT (SELECT count(*) FROM support_requests), (SELECT count(*) FROM support_messages)",
    )[0]
    lines = [f"data: {requests:,} requests, {messages:,} messages", "", "SQL per page:", ""]
    lines += query_counts(instance, env)
    lines += ["", *fetch_rate(instance, env)]
    return lines
