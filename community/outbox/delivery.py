"""Deliver the outbox: claim due rows under a lease, send, record the outcome.

A worker claims a batch in one statement (with `FOR UPDATE SKIP LOCKED` on PostgreSQL),
sends it over one SMTP connection kept open while there is mail, and records each send as
it goes: by default (`OUTBOX_COMMIT_EVERY=1`) one commit per email, so a worker that dies
(SIGKILL, power loss) leaves only the message on the wire unrecorded, and when the lease runs
out another worker sends that one again, with the same Message-ID. A larger
`OUTBOX_COMMIT_EVERY` records sends in groups (one UPDATE of many rows and one commit per
that many emails or 0.15 s, whichever comes first) for throughput, and a death then resends
up to one group. A failure, a retry or a release writes the pending group first, in the same
commit. A worker stopped with SIGTERM (or Ctrl-C) finishes the message on the wire, records
what it sent, hands the rest of its batch back at once and resends nothing.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from community import heartbeats
from community.db import utcnow
from community.extensions import db
from community.outbox.headers import MAIL_POLICY
from community.outbox.models import OutboxMessage, OutboxStatus
from community.outbox.outcomes import Outcomes
from community.outbox.services import PENDING_FLAG
from community.outbox.transports import (
    PermanentError,
    TransientError,
    Transport,
    make_transport,
)

log = logging.getLogger(__name__)

HEARTBEAT = "outbox-delivery"
_wake = threading.Event()


def wake() -> None:
    """Make this process's delivery loop look at the outbox now."""
    _wake.set()


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    """A commit that queued mail wakes this process's delivery thread at once."""
    if session.info.pop(PENDING_FLAG, False):
        _wake.set()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_FLAG, None)


@dataclass(frozen=True)
class ClaimedMessage:
    """A snapshot of a claimed row, safe to use after the claiming transaction commits."""

    id: int
    to_address: str
    subject: str
    body_text: str
    body_html: str | None
    headers: dict[str, str]
    message_id: str
    attempts: int
    created_at_header: str


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def backoff_seconds(attempts: int, base: int) -> float:
    """Exponential backoff with a little jitter, capped at six hours."""
    delay = min(base * 2 ** max(attempts - 1, 0), 6 * 3600)
    return delay * random.uniform(0.9, 1.1)


def _due_condition(now: datetime, max_attempts: int) -> ColumnElement[bool]:
    waiting = and_(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    abandoned = and_(
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.lease_expires_at < now,
        OutboxMessage.attempts < max_attempts,
    )
    return or_(waiting, abandoned)


def _fail_abandoned(now: datetime, max_attempts: int) -> None:
    """A row whose every attempt ended in a dead worker is failed, not retried forever."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.lease_expires_at < now,
            OutboxMessage.attempts >= max_attempts,
        )
        .values(
            status=OutboxStatus.FAILED,
            claim_token=None,
            last_error="the delivery worker stopped while sending, on every attempt",
        )
    )


def claim_batch(
    limit: int, lease_seconds: int, max_attempts: int
) -> tuple[str, list[ClaimedMessage]]:
    """Lease up to `limit` due messages to a new claim token, and commit the lease."""
    now = utcnow()
    token = uuid.uuid4().hex
    _fail_abandoned(now, max_attempts)
    due_ids = (
        select(OutboxMessage.id)
        .where(_due_condition(now, max_attempts))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due_ids = due_ids.with_for_update(skip_locked=True)
    rows = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due_ids.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING,
            claim_token=token,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.headers,
            OutboxMessage.message_id,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
        ),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()
    return token, [_claimed(row) for row in sorted(rows, key=lambda row: row.id)]


def _claimed(row: Any) -> ClaimedMessage:
    return ClaimedMessage(
        id=row.id,
        to_address=row.to_address,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        headers=dict(row.headers or {}),
        message_id=row.message_id,
        attempts=row.attempts,
        created_at_header=format_datetime(row.created_at),
    )


def build_mime(message: ClaimedMessage, sender: str) -> EmailMessage:
    """The message as sent: URL and Message-ID headers raw (`MAIL_POLICY`), bodies in UTF-8."""
    mime = EmailMessage(policy=MAIL_POLICY)
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = message.created_at_header
    mime["Message-ID"] = message.message_id
    for name, value in message.headers.items():
        mime[name] = value
    mime.set_content(message.body_text)
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html")
    return mime


def deliver_batch(
    limit: int | None = None,
    *,
    stop: threading.Event | None = None,
    transport: Transport | None = None,
) -> DeliveryReport:
    """Claim one batch and deliver it. Runs inside an app context; commits as it goes.

    A `stop` is looked at between messages: the one on the wire finishes, the rest of the
    batch goes back to the queue at once rather than waiting out its lease.
    """
    config = current_app.config
    lease = config["OUTBOX_LEASE_SECONDS"]
    claimed_at = time.monotonic()
    token, batch = claim_batch(
        limit or config["OUTBOX_BATCH_SIZE"], lease, config["OUTBOX_MAX_ATTEMPTS"]
    )
    report = DeliveryReport()
    if not batch:
        return report
    # Stop early rather than send under a lease that may run out mid-message.
    deadline = claimed_at + lease - min(config["SMTP_TIMEOUT_SECONDS"] + 5, lease / 2)
    outcomes = Outcomes(token, config["OUTBOX_COMMIT_EVERY"])
    if transport is None:
        transport = _transport(config)
    try:
        with transport:
            _send_batch(transport, batch, outcomes, report, deadline, stop)
    except BaseException:
        outcomes.salvage()
        raise
    outcomes.flush()
    return report


def _send_batch(
    transport: Transport,
    batch: list[ClaimedMessage],
    outcomes: Outcomes,
    report: DeliveryReport,
    deadline: float,
    stop: threading.Event | None,
) -> None:
    for index, message in enumerate(batch):
        # Under gevent, SQLite and file writes never yield: without this, emptying a long
        # queue would stall every request of the web process until it is done.
        time.sleep(0)
        retry_at = None
        if time.monotonic() > deadline or (stop is not None and stop.is_set()):
            rest = [item.id for item in batch[index:]]
        else:
            retry_at = _deliver_one(transport, message, outcomes, report)
            if retry_at is None:
                continue
            # The server is unreachable for all of them: try the rest at the same time.
            rest = [item.id for item in batch[index + 1 :]]
        outcomes.release(rest, next_attempt_at=retry_at)
        report.released += len(rest)
        return


def _transport(config: Any) -> Transport:
    return make_transport(config["MAIL_URL"], config["MAIL_DIR"], config["SMTP_TIMEOUT_SECONDS"])


def _deliver_one(
    transport: Transport, message: ClaimedMessage, outcomes: Outcomes, report: DeliveryReport
) -> datetime | None:
    """Send one claimed message and record how it went; the retry time if the server is away.

    A message that cannot even be built fails alone, permanently, with its reason: its
    neighbours in the batch are not its fault.
    """
    config = current_app.config
    try:
        mime = build_mime(message, config["MAIL_FROM"])
    except Exception as exc:
        reason = f"the message could not be built: {exc}"
        outcomes.finish(message.id, status=OutboxStatus.FAILED, last_error=reason[:500])
        report.failed += 1
        report.errors.append(reason)
        return None
    try:
        transport.send(mime, key=f"{message.id:08d}")
    except PermanentError as exc:
        outcomes.finish(message.id, status=OutboxStatus.FAILED, last_error=str(exc))
        report.failed += 1
        report.errors.append(str(exc))
        return None
    except TransientError as exc:
        report.errors.append(str(exc))
        if message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
            outcomes.finish(message.id, status=OutboxStatus.FAILED, last_error=str(exc))
            report.failed += 1
            return None
        retry_at = utcnow() + timedelta(
            seconds=backoff_seconds(message.attempts, config["OUTBOX_BACKOFF_SECONDS"])
        )
        outcomes.finish(
            message.id, status=OutboxStatus.QUEUED, next_attempt_at=retry_at, last_error=str(exc)
        )
        report.retried += 1
        return retry_at
    outcomes.sent(message.id)
    report.sent += 1
    return None


def heartbeat_limit(config: Any) -> int:
    """A round may take one lease (a batch sent slowly) besides the poll: allow both."""
    return max(
        heartbeats.stale_after(config["OUTBOX_POLL_SECONDS"]), config["OUTBOX_LEASE_SECONDS"] + 60
    )


def deliver_pending(
    after_batch: Callable[[], None] | None = None, stop: threading.Event | None = None
) -> DeliveryReport:
    """Deliver batches until nothing is due, the server refuses for now, or `stop` is set.

    There is no cap on batches: `outbox run --once` must leave nothing due behind. One
    transport (one SMTP connection) serves every batch of the run. `after_batch` runs after
    every batch: the worker's heartbeat, so a long queue being emptied is not taken for a
    stopped worker.
    """
    total = DeliveryReport()
    with _transport(current_app.config) as transport:
        while stop is None or not stop.is_set():
            report = deliver_batch(stop=stop, transport=_KeptOpen(transport))
            if after_batch is not None:
                after_batch()
            total.sent += report.sent
            total.retried += report.retried
            total.failed += report.failed
            total.released += report.released
            total.errors.extend(report.errors)
            if report.handled == 0 or report.retried:
                break
    return total


class _KeptOpen:
    """A transport lent to one batch: the batch's `with` leaves the connection open."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __enter__(self) -> _KeptOpen:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def send(self, message: EmailMessage, *, key: str) -> None:
        self._transport.send(message, key=key)


def run_worker(app: Flask, stop: threading.Event, poll_seconds: float | None = None) -> None:
    """Deliver until `stop` is set: the loop of `flask outbox run` and of the web thread."""
    poll = poll_seconds if poll_seconds is not None else app.config["OUTBOX_POLL_SECONDS"]
    limit = heartbeat_limit(app.config)

    def beat() -> None:
        heartbeats.beat(HEARTBEAT, poll, limit)

    while not stop.is_set():
        _wake.clear()
        try:
            with app.app_context():
                report = deliver_pending(after_batch=beat, stop=stop)
            if report.handled:
                log.info(
                    "outbox: %d sent, %d to retry, %d failed",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except Exception:  # a broken database connection must not end the loop
            log.exception("outbox delivery failed; trying again shortly")
        _wake.wait(poll)
