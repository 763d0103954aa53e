"""The periodic sweep: email messages left unread, alert backups of overdue clients.

Any number of processes may sweep at once (each web process's background thread, and
`flask vip sweep` workers). Work is claimed with a conditional UPDATE, which only one
transaction can win on PostgreSQL and SQLite alike, and every email carries a dedupe key
per burst and recipient, so a burst is emailed once whoever gets there first.

A burst is what one side wrote that the other has neither read nor been emailed about: once
its oldest message has waited `VIP_UNREAD_EMAIL_MINUTES`, the whole burst goes in one email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.batches import each_on_its_own
from community.db import utcnow
from community.extensions import db
from community.urls import external_url
from vip.models import VipConversation, VipMessage
from vip.services import realtime
from vip.services.emails import email_person
from vip.tiers import promise_for, unread_email_delay

UNREAD_LIST = "vip.unread"


@dataclass
class SweepReport:
    emails: int = 0
    escalations: int = 0


def health() -> dict[str, Any]:
    """For `/healthz`: how real time is carried, and whether anyone waits unseen."""
    now = utcnow()
    overdue = db.session.scalar(
        select(func.count()).select_from(VipConversation).where(VipConversation.reply_due_at <= now)
    )
    unread_due = db.session.scalar(
        select(func.count(VipMessage.id)).where(
            VipMessage.read_at.is_(None),
            VipMessage.emailed_at.is_(None),
            VipMessage.created_at <= now - unread_email_delay(),
        )
    )
    return {
        "ok": True,
        "message_queue": "redis" if current_app.config.get("SOCKETIO_MESSAGE_QUEUE") else "none",
        "clients_waiting_past_promise": overdue or 0,
        "unread_messages_due_for_email": unread_due or 0,
    }


def sweep(now: datetime | None = None) -> SweepReport:
    """Alert backups of clients waiting past the promise, then email unread bursts."""
    now = now or utcnow()
    return SweepReport(escalations=escalate_overdue(now), emails=email_unread(now))


def escalate_overdue(now: datetime) -> int:
    """Alert each overdue client's backup once per wait, by email and on their dashboard."""
    candidates = db.session.scalars(
        select(VipConversation.id).where(
            VipConversation.reply_due_at <= now,
            VipConversation.escalated_at.is_(None),
            VipConversation.backup_manager_id.is_not(None),
        )
    ).all()
    db.session.rollback()
    return each_on_its_own(
        candidates,
        lambda conversation_id: _escalate(conversation_id, now),
        lambda conversation_id: _mark_escalated(conversation_id, now),
        "VIP escalation for conversation",
    )


def _mark_escalated(conversation_id: int, now: datetime) -> int:
    """Claim the wait without alerting anyone: what a failed escalation leaves behind."""
    return db.session.execute(
        update(VipConversation)
        .where(
            VipConversation.id == conversation_id,
            VipConversation.escalated_at.is_(None),
            VipConversation.reply_due_at <= now,
        )
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _escalate(conversation_id: int, now: datetime) -> bool:
    """Claim one overdue wait and alert its backup, in one transaction of its own."""
    claimed = _mark_escalated(conversation_id, now)
    if not claimed:  # another sweeper, or a reply, got there first
        db.session.rollback()
        return False
    conversation = db.session.get(VipConversation, conversation_id, populate_existing=True)
    backup = conversation.backup_manager if conversation else None
    if conversation is None or backup is None or conversation.waiting_since is None:
        db.session.commit()
        return False
    _tell_backup(conversation, backup, conversation.waiting_since)
    realtime.push_escalation(conversation, conversation.client.display_name)
    db.session.commit()
    return True


def _tell_backup(conversation: VipConversation, backup: User, waiting_since: datetime) -> None:
    client = conversation.client
    email_person(
        backup,
        template="vip_escalation",
        subject=_l("%(name)s has waited past their promise", name=client.display_name),
        context={
            "backup": backup,
            "client": client,
            "manager": conversation.manager,
            "waiting_since": waiting_since,
            "promise": promise_for(client.vip_tier),
            "conversation_url": external_url(
                "manager.conversation", conversation_id=conversation.id
            ),
        },
        dedupe_key=(
            f"vip-escalation:{conversation.id}:{waiting_since.timestamp():.0f}:{backup.id}"
        ),
    )


def email_unread(now: datetime) -> int:
    """One email per unread burst whose oldest message has waited long enough."""
    threshold = now - unread_email_delay()
    due = db.session.execute(
        select(VipMessage.conversation_id, VipMessage.from_staff)
        .where(
            VipMessage.read_at.is_(None),
            VipMessage.emailed_at.is_(None),
            VipMessage.created_at <= threshold,
        )
        .distinct()
    ).all()
    db.session.rollback()
    return each_on_its_own(
        due,
        lambda burst: _email_burst(burst[0], burst[1], now),
        lambda burst: _claim_burst(burst[0], burst[1], now),
        "VIP unread email for conversation and side",
    )


def _recipient(conversation: VipConversation, from_staff: bool) -> User | None:
    return conversation.client if from_staff else conversation.manager


def _email_burst(conversation_id: int, from_staff: bool, now: datetime) -> bool:
    """Claim one side's unread, unemailed messages and email them in one, if anyone may read."""
    conversation = db.session.get(VipConversation, conversation_id)
    recipient = _recipient(conversation, from_staff) if conversation else None
    if conversation is None or recipient is None:
        return False  # nobody to tell yet: a manager assigned later will see it unread
    ids = _claim_burst(conversation_id, from_staff, now)
    if not ids:
        db.session.rollback()
        return False
    if not recipient.is_active or (from_staff and not recipient.is_vip):
        db.session.commit()  # claimed, so no sweeper tries again; nobody to email
        return False
    queued = _email_messages(recipient, conversation, ids, from_staff)
    db.session.commit()
    return queued is not None


def _claim_burst(conversation_id: int, from_staff: bool, now: datetime) -> list[int]:
    """Mark the burst emailed; the ids this transaction won (none if another sweeper did)."""
    return list(
        db.session.scalars(
            update(VipMessage)
            .where(
                VipMessage.conversation_id == conversation_id,
                VipMessage.from_staff.is_(from_staff),
                VipMessage.read_at.is_(None),
                VipMessage.emailed_at.is_(None),
                VipMessage.created_at <= now,
            )
            .values(emailed_at=now)
            .returning(VipMessage.id)
            .execution_options(synchronize_session=False)
        )
    )


def _email_messages(
    recipient: User, conversation: VipConversation, ids: list[int], from_staff: bool
) -> int | None:
    messages = list(
        db.session.scalars(
            select(VipMessage)
            .where(VipMessage.id.in_(ids))
            .order_by(VipMessage.id)
            .options(selectinload(VipMessage.author))
        )
    )
    return email_person(
        recipient,
        template="vip_unread",
        subject=_unread_subject(messages, conversation, from_staff),
        context={
            "recipient": recipient,
            "client": conversation.client,
            "messages": messages,
            "to_client": from_staff,
            "conversation_url": (
                external_url("vip.index") + "#conversation"
                if from_staff
                else external_url("manager.conversation", conversation_id=conversation.id)
            ),
        },
        dedupe_key=f"vip-unread:{conversation.id}:{int(from_staff)}:{min(ids)}:{recipient.id}",
        list_key=UNREAD_LIST,
    )


def _unread_subject(
    messages: list[VipMessage], conversation: VipConversation, from_staff: bool
) -> Any:
    """A lazy subject, rendered in the recipient's language by the outbox."""
    if from_staff:
        return lazy_ngettext(
            "A message from your account manager is waiting",
            "%(num)d messages from your account manager are waiting",
            len(messages),
        )
    return lazy_ngettext(
        "%(name)s sent you a message",
        "%(name)s sent you %(num)d messages",
        len(messages),
        name=conversation.client.display_name,
    )
