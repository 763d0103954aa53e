"""Opening requests, and the customer's side of the conversation.

Requests come from the web, by email (`support.mail.inbound`) and from the API, all through
`open_request`: the request, its first message and files, its due times, the
acknowledgement, the deflection mark and the agents' live counts land in one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from community.accounts.models import User
from community.accounts.services import find_user_by_email
from community.db import utcnow
from community.errors import InvalidInput, NotAllowed
from community.extensions import db
from community.forms import clean_text
from community.i18n import is_valid_timezone
from support.models import (
    MAX_NAME,
    Channel,
    Deflection,
    MessageKind,
    Priority,
    Status,
    SupportMessage,
    SupportRequest,
)
from support.services import directory, mailer, realtime, search, sla, vip_bridge
from support.services.conversation import (
    Author,
    Upload,
    add_message,
    clean_email,
    clean_subject,
    record_event,
    writing,
)


@dataclass
class Draft:
    """What a new request is made of, whichever way it came."""

    subject: str
    body: str
    requester_email: str
    requester_name: str = ""
    requester: User | None = None
    topic_id: int | None = None
    department_id: int | None = None
    priority: str = Priority.NORMAL
    channel: str = Channel.WEB
    locale: str = "en"
    timezone: str | None = None  # a visitor's browser zone, for their emails
    markdown: bool = True
    original_text: str | None = None
    email_message_id: str | None = None
    forum_topic_id: int | None = None
    tracking_number: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    files: Sequence[Upload] = ()
    acknowledge: bool = True
    form_key: str | None = None


def open_request(draft: Draft, now: datetime | None = None) -> SupportRequest:
    """Store a new request with its first message; acknowledge it and tell the agents."""
    now = now or utcnow()
    with writing() as stored:
        request = _new_request(draft, now)
        message = add_message(
            request,
            MessageKind.CUSTOMER,
            draft.body,
            Author.requester_of(request, draft.requester),
            stored=stored,
            now=now,
            channel=draft.channel,
            markdown=draft.markdown,
            files=draft.files,
            original_text=draft.original_text,
            email_message_id=draft.email_message_id,
        )
        request.last_customer_at = now
        record_event(request, "created", draft.requester, {"channel": draft.channel}, now)
        search.index_request(request, message.body_text)
        if draft.acknowledge:
            mailer.acknowledge(request, message)
        if request.vip_tier and request.assignee is not None:
            mailer.to_staff(
                request.assignee,
                request=request,
                template="support_vip_request",
                subject=_l("[#%(number)s] A VIP client wrote to support", number=request.number),
                dedupe=f"vip-request:{request.id}",
            )
        if draft.form_key:
            db.session.execute(
                update(Deflection)
                .where(Deflection.form_key == draft.form_key[:64])
                .values(submitted=True)
            )
        realtime.inbox_changed(request)
        db.session.commit()
    return request


def _new_request(draft: Draft, now: datetime) -> SupportRequest:
    subject = clean_subject(draft.subject)
    email = clean_email(draft.requester_email)
    topic = directory.topic(draft.topic_id)
    if draft.topic_id and topic is None:
        raise InvalidInput(_("Choose a topic from the list."), "topic")
    department = topic.department if topic else directory.department(draft.department_id)
    department = department or next(iter(directory.departments()), None)
    if department is None:
        raise InvalidInput(_("Support is not set up yet: there is no department."), "topic")
    if draft.priority not in {item.value for item in Priority}:
        raise InvalidInput(_("Choose a priority from the list."), "priority")
    request = SupportRequest(
        # A placeholder until the row has its id, which the public number is made from.
        number="n" + secrets.token_hex(8),
        subject=subject,
        status=Status.NEW,
        priority=draft.priority,
        channel=draft.channel,
        locale=draft.locale,
        timezone=draft.timezone if draft.timezone and is_valid_timezone(draft.timezone) else None,
        department=department,
        topic_id=topic.id if topic else None,
        requester=draft.requester,
        requester_email=email,
        requester_name=clean_text(draft.requester_name)[:MAX_NAME] or email.partition("@")[0],
        forum_topic_id=draft.forum_topic_id,
        tracking_number=draft.tracking_number,
        context=draft.context,
        created_at=now,
        updated_at=now,
    )
    vip = vip_bridge.vip_of(draft.requester)
    if vip is not None:
        request.vip_tier = vip.tier
        request.assignee_id = vip.manager_id
    db.session.add(request)
    db.session.flush()
    request.number = str(100_000 + request.id)
    sla.start(request, now, vip.promise if vip else None)
    return request


def customer_reply(
    request: SupportRequest,
    body: str,
    *,
    by: User | None,
    channel: str = Channel.WEB,
    markdown: bool = True,
    files: Sequence[Upload] = (),
    email_message_id: str | None = None,
    original_text: str | None = None,
    now: datetime | None = None,
) -> SupportMessage:
    """The requester answers: a waiting request runs again, a solved one reopens; refused
    once the request is closed, merged, or was solved over SUPPORT_REOPEN_DAYS ago."""
    now = now or utcnow()
    if not may_reopen(request, now):
        raise NotAllowed(_("This request is closed. Please open a new one."))
    with writing() as stored:
        message = add_message(
            request,
            MessageKind.CUSTOMER,
            body,
            Author.requester_of(request, by),
            stored=stored,
            now=now,
            channel=channel,
            markdown=markdown,
            files=files,
            original_text=original_text,
            email_message_id=email_message_id,
        )
        request.last_customer_at = now
        _customer_moves_request(request, by, now)
        if request.assignee is not None:
            mailer.to_staff(
                request.assignee,
                request=request,
                template="support_customer_replied",
                subject=_("[#%(number)s] The customer answered", number=request.number),
                dedupe=f"answered:{message.id}",
                context={"message": message},
            )
        realtime.request_changed(request)
        realtime.inbox_changed(request)
        db.session.commit()
    return message


def may_reopen(request: SupportRequest, now: datetime) -> bool:
    """Whether a new message from the customer joins this request (else a new one starts):
    not once closed, and a solved one only within SUPPORT_REOPEN_DAYS."""
    if request.status == Status.CLOSED or request.merged_into_id:
        return False
    if request.status != Status.SOLVED or request.solved_at is None:
        return True
    days = int(current_app.config["SUPPORT_REOPEN_DAYS"])
    return now - request.solved_at <= timedelta(days=days)


def _customer_moves_request(request: SupportRequest, by: User | None, now: datetime) -> None:
    if request.status == Status.WAITING:
        request.status = Status.OPEN
        sla.restart_clock(request, now)
    elif request.status == Status.SOLVED:
        request.status = Status.OPEN
        request.solved_at = None
        sla.reopened(request, now)
        record_event(request, "reopened", by, {}, now)


def linked_account(email: str) -> User | None:
    """The account a request from `email` belongs to: only a confirmed, active one (anyone
    may register an address they do not own, and must not read its requests)."""
    user = find_user_by_email(email)
    return user if user is not None and user.is_confirmed and user.is_active else None


def solve_by_customer(request: SupportRequest, *, by: User | None) -> None:
    """The requester says it is solved: nothing more is due."""
    if request.status in (Status.SOLVED, Status.CLOSED):
        return
    now = utcnow()
    request.status = Status.SOLVED
    request.solved_at = now
    request.version += 1
    sla.solved(request, now)
    record_event(request, "solved", by, {"by": "customer"}, now)
    realtime.request_changed(request)
    realtime.inbox_changed(request)
    db.session.commit()
