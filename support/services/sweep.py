"""The sweep: warn before a promise breaks, tell the lead when it breaks, close what was
solved long enough ago. Safe in any number of processes at once.

Each step claims each due request with a conditional `UPDATE … RETURNING` in a transaction
of its own (a request is warned, breached or closed by exactly one sweeper, and one that
fails holds up no other), and each email has a dedupe key per request and due time, so a
sweep that runs twice sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from community.accounts.models import User
from community.batches import each_on_its_own
from community.db import utcnow
from community.extensions import db
from support.models import ACTIVE_STATUSES, Status, SupportRequest
from support.services import mailer, realtime
from support.services.conversation import record_event


@dataclass
class SweepReport:
    warned: int = 0
    breached: int = 0
    closed: int = 0


def sweep(now: datetime | None = None) -> SweepReport:
    """One pass of every step, each in its own transaction."""
    now = now or utcnow()
    report = SweepReport()
    report.warned = warn_due_soon(now)
    report.breached = mark_breaches(now)
    report.closed = close_solved(now)
    return report


def _run(condition: Any, values: dict[str, Any], act: Any, what: str) -> int:
    """Claim and act on each due request in its own transaction (see community.batches).

    A request whose action raises is still claimed, without its email, so it never holds
    up the requests after it.
    """
    due = db.session.scalars(select(SupportRequest.id).where(condition)).all()
    db.session.rollback()

    def work(request_id: int) -> bool:
        request = _claim(condition & (SupportRequest.id == request_id), values)
        if request is not None:
            act(request)
        return request is not None

    def set_aside(request_id: int) -> None:
        _claim(condition & (SupportRequest.id == request_id), values)

    return each_on_its_own(due, work, set_aside, what)


def _claim(condition: Any, values: dict[str, Any]) -> SupportRequest | None:
    """The request, once this sweeper has won it (None when another one did)."""
    claimed = db.session.scalar(
        update(SupportRequest)
        .where(condition)
        .values(**values)
        .returning(SupportRequest.id)
        .execution_options(synchronize_session=False)
    )
    return db.session.get(SupportRequest, claimed, populate_existing=True) if claimed else None


def warn_due_soon(now: datetime) -> int:
    """The assignee hears SUPPORT_WARN_MINUTES before the promise would break."""
    soon = now + timedelta(minutes=int(current_app.config["SUPPORT_WARN_MINUTES"]))
    condition = (
        (SupportRequest.next_due_at <= soon)
        & (SupportRequest.next_due_at > now)
        & SupportRequest.warned_at.is_(None)
        & SupportRequest.status.in_(ACTIVE_STATUSES)
    )
    return _run(condition, {"warned_at": now}, _warn, "support warning for request")


def _warn(request: SupportRequest) -> None:
    if request.assignee is not None:
        mailer.to_staff(
            request.assignee,
            request=request,
            template="support_warning",
            subject=_l(
                "[#%(number)s] Due soon: %(subject)s",
                number=request.number,
                subject=request.subject,
            ),
            dedupe=f"warn:{request.id}:{request.next_due_at.isoformat()}",
        )
    realtime.inbox_changed(request)


def mark_breaches(now: datetime) -> int:
    """A promise broke: the department's lead is emailed and the inbox marks the request."""
    condition = (
        (SupportRequest.next_due_at <= now)
        & SupportRequest.breached_at.is_(None)
        & SupportRequest.status.in_(ACTIVE_STATUSES)
    )
    return _run(
        condition,
        {"breached_at": now, "warned_at": now},
        lambda request: _tell_of_breach(request, now),
        "support breach for request",
    )


def _tell_of_breach(request: SupportRequest, now: datetime) -> None:
    record_event(request, "breached", None, {"due": request.next_due_at.isoformat()}, now)
    people: list[User] = [
        person for person in (request.department.lead, request.assignee) if person is not None
    ]
    for person in dict.fromkeys(people):
        mailer.to_staff(
            person,
            request=request,
            template="support_breach",
            subject=_l(
                "[#%(number)s] Past its promised time: %(subject)s",
                number=request.number,
                subject=request.subject,
            ),
            dedupe=f"breach:{request.id}:{request.next_due_at.isoformat()}",
            context={"to_lead": person is request.department.lead},
        )
    realtime.inbox_changed(request)


def close_solved(now: datetime) -> int:
    """Solved longer than SUPPORT_REOPEN_DAYS ago: closed, a new message starts anew."""
    cutoff = now - timedelta(days=int(current_app.config["SUPPORT_REOPEN_DAYS"]))
    days = current_app.config["SUPPORT_REOPEN_DAYS"]
    return _run(
        (SupportRequest.status == Status.SOLVED) & (SupportRequest.solved_at < cutoff),
        {"status": Status.CLOSED, "closed_at": now, "version": SupportRequest.version + 1},
        lambda request: record_event(request, "closed", None, {"after_days": days}, now),
        "closing solved request",
    )
