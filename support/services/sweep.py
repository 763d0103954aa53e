"""The sweep: warn before a promise breaks, tell the lead when it breaks, close what was
solved long enough ago. Safe in any number of processes at once.

Each step claims its rows with one conditional `UPDATE … RETURNING` (a row is warned,
breached or closed by exactly one sweeper), and each email has a dedupe key per request and
due time, so a sweep that runs twice sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from community.accounts.models import User
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


def _claim(condition: Any, values: dict[str, Any]) -> list[SupportRequest]:
    ids = list(
        db.session.scalars(
            update(SupportRequest)
            .where(condition)
            .values(**values)
            .returning(SupportRequest.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not ids:
        return []
    return list(db.session.scalars(select(SupportRequest).where(SupportRequest.id.in_(ids))))


def warn_due_soon(now: datetime) -> int:
    """The assignee hears SUPPORT_WARN_MINUTES before the promise would break."""
    soon = now + timedelta(minutes=int(current_app.config["SUPPORT_WARN_MINUTES"]))
    claimed = _claim(
        (SupportRequest.next_due_at <= soon)
        & (SupportRequest.next_due_at > now)
        & SupportRequest.warned_at.is_(None)
        & SupportRequest.status.in_(ACTIVE_STATUSES),
        {"warned_at": now},
    )
    for request in claimed:
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
    db.session.commit()
    return len(claimed)


def mark_breaches(now: datetime) -> int:
    """A promise broke: the department's lead is emailed and the inbox marks the request."""
    claimed = _claim(
        (SupportRequest.next_due_at <= now)
        & SupportRequest.breached_at.is_(None)
        & SupportRequest.status.in_(ACTIVE_STATUSES),
        {"breached_at": now, "warned_at": now},
    )
    for request in claimed:
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
    db.session.commit()
    return len(claimed)


def close_solved(now: datetime) -> int:
    """Solved longer than SUPPORT_REOPEN_DAYS ago: closed, a new message starts anew."""
    cutoff = now - timedelta(days=int(current_app.config["SUPPORT_REOPEN_DAYS"]))
    claimed = _claim(
        (SupportRequest.status == Status.SOLVED) & (SupportRequest.solved_at < cutoff),
        {"status": Status.CLOSED, "closed_at": now, "version": SupportRequest.version + 1},
    )
    for request in claimed:
        record_event(
            request, "closed", None, {"after_days": current_app.config["SUPPORT_REOPEN_DAYS"]}, now
        )
    db.session.commit()
    return len(claimed)
