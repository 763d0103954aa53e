"""Every email support sends, queued in the transaction of what caused it.

Mail to the customer threads: each carries a Message-ID recorded against the request, answers
the customer's last email (`In-Reply-To`, `References`), asks replies to come back to the
department's address (`Reply-To`) and names the request in its subject (`[#100042]`), so a
reply finds its request whatever the customer's mail program keeps. The acknowledgement is an
automatic reply (`Auto-Submitted: auto-replied`), so other robots do not answer it. Times are
real dates and times in the reader's language and time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from babel.dates import format_date, format_time, get_timezone_name
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community.accounts.models import User
from community.extensions import db
from community.markdown import shorten
from community.outbox.services import Email, enqueue_emails, new_message_id
from community.urls import external_url
from support.calendar import zone_named
from support.models import (
    MessageKind,
    Rating,
    SupportMessage,
    SupportRequest,
    ThreadId,
)
from support.services import links

CATEGORY = "support"

# Demo data is written through the same services as real requests, but must not email the
# demo addresses: `seed-demo` runs them inside `silenced()`.
_SILENCED: ContextVar[bool] = ContextVar("support_mail_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """Queue no support email inside this block (demo data)."""
    token = _SILENCED.set(True)
    try:
        yield
    finally:
        _SILENCED.reset(token)


def support_address(request: SupportRequest | None = None) -> str:
    """Where replies go: the department's own address, or the main support address."""
    main = current_app.config["SUPPORT_EMAIL"]
    if request is None:
        return main
    _local, _at, domain = main.partition("@")
    return f"{request.department.email_local}@{domain}" if domain else main


def reader_of(request: SupportRequest) -> tuple[str, str]:
    """(locale, time zone) of the requester: their profile's; a visitor's, the request's
    language and the zone their browser reported, else the department's."""
    if request.requester is not None:
        return request.requester.locale, request.requester.timezone
    return request.locale, request.timezone or request.department.timezone


def local_time(moment: datetime | None, locale: str, timezone: str) -> str:
    """ "Tuesday, 8 December 2026, 14:30 China Standard Time", in `locale`; no seconds."""
    if moment is None:
        return ""
    zone = zone_named(timezone)
    local = moment.astimezone(zone)
    day = format_date(local, "full", locale=locale)
    clock = format_time(local, "short", locale=locale)
    name = "UTC" if zone.key == "UTC" else get_timezone_name(zone, locale=locale)
    return f"{day} {clock} ({name})"


def _thread_headers(request: SupportRequest, message_id: str, auto: bool) -> dict[str, str]:
    """Reply-To, and the customer's own Message-IDs to answer, newest last."""
    theirs = list(
        db.session.scalars(
            select(SupportMessage.email_message_id)
            .where(
                SupportMessage.request_id == request.id,
                SupportMessage.kind == MessageKind.CUSTOMER,
                SupportMessage.email_message_id.is_not(None),
            )
            .order_by(SupportMessage.id.desc())
            .limit(10)
        )
    )
    headers = {"Reply-To": support_address(request)}
    if theirs:
        headers["In-Reply-To"] = theirs[0]
        headers["References"] = " ".join(reversed(theirs))
    if auto:
        headers["Auto-Submitted"] = "auto-replied"
    db.session.add(ThreadId(message_id=message_id, request_id=request.id))
    return headers


def _to_requester(
    request: SupportRequest,
    *,
    template: str,
    subject: Any,
    context: dict[str, Any],
    dedupe: str,
    auto: bool = False,
) -> str:
    """Queue one email to the requester; its Message-ID."""
    locale, timezone = reader_of(request)
    message_id = new_message_id()
    if _SILENCED.get():
        return message_id
    headers = _thread_headers(request, message_id, auto)
    base = {
        "request": request,
        "number": request.number,
        "subject": request.subject,
        "recipient_name": request.requester_name or request.requester_email,
        "request_url": links.follow_url(request),
        "reply_address": support_address(request),
        "locale": locale,
        "timezone": timezone,
    }
    enqueue_emails(
        [
            Email(
                to=request.requester_email,
                subject=subject,
                template=template,
                context={**base, **context},
                dedupe_key=f"support:{dedupe}",
                category=CATEGORY,
                locale=locale,
                headers=headers,
                message_id=message_id,
            )
        ]
    )
    return message_id


def acknowledge(request: SupportRequest, first: SupportMessage) -> str:
    """At once: the number, what was asked, and when the first reply is promised."""
    locale, timezone = reader_of(request)
    return _to_requester(
        request,
        template="support_acknowledgement",
        subject=_l(
            "[#%(number)s] We received your request: %(subject)s",
            number=request.number,
            subject=request.subject,
        ),
        context={
            "asked": shorten(first.body_text, 600),
            "due": local_time(request.first_reply_due_at, locale, timezone),
            "department": request.department.label(locale),
        },
        dedupe=f"ack:{request.id}",
        auto=True,
    )


def reply(request: SupportRequest, message: SupportMessage) -> str:
    """An agent's answer, for the customer to read and answer by email."""
    return _to_requester(
        request,
        template="support_reply",
        subject=_l("[#%(number)s] %(subject)s", number=request.number, subject=request.subject),
        context={"message": message, "author": message.author_name},
        dedupe=f"reply:{message.id}",
    )


def ask_rating(request: SupportRequest) -> str:
    """After "solved": did we solve it? Two links that rate it without logging in."""
    _locale, _timezone = reader_of(request)
    return _to_requester(
        request,
        template="support_rating",
        subject=_l("[#%(number)s] Did we solve it?", number=request.number),
        context={
            "good_url": links.rating_url(request, Rating.GOOD),
            "bad_url": links.rating_url(request, Rating.BAD),
            "reopen_days": current_app.config["SUPPORT_REOPEN_DAYS"],
        },
        dedupe=f"rating:{request.id}:{request.solved_at.isoformat() if request.solved_at else ''}",
    )


def to_staff(
    person: User,
    *,
    request: SupportRequest,
    template: str,
    subject: Any,
    dedupe: str,
    context: dict[str, Any] | None = None,
) -> None:
    """An email to an agent, an assignee or a lead, in their language and time zone."""
    if _SILENCED.get():
        return
    enqueue_emails(
        [
            Email(
                to=person.email,
                subject=subject,
                template=template,
                context={
                    "request": request,
                    "number": request.number,
                    "subject": request.subject,
                    "recipient_name": person.display_name,
                    "staff_url": external_url("support.work", number=request.number),
                    "due": local_time(request.next_due_at, person.locale, person.timezone),
                    **(context or {}),
                },
                dedupe_key=f"support:{dedupe}:{person.id}",
                category=CATEGORY,
                locale=person.locale,
            )
        ]
    )
