"""Queue emails inside the caller's transaction, and honour unsubscribes.

`enqueue_email` never commits: the email row lands with the event that caused it or not at
all. Delivery is somebody else's job (`community.outbox.delivery`).
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from community.db import utcnow
from community.extensions import db
from community.outbox.models import EmailOptOut, OutboxMessage, OutboxStatus
from community.urls import external_url

PENDING_FLAG = "outbox_pending"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico.unsubscribe")


def unsubscribe_token(email: str, list_key: str) -> str:
    """A signed, non-expiring token: unsubscribe links must keep working for years."""
    return _serializer().dumps([email.lower(), list_key])


def read_unsubscribe_token(token: str) -> tuple[str, str] | None:
    """The (email, list) a token names, or None when it was not signed by us."""
    try:
        email, list_key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(email, str) or not isinstance(list_key, str):
        return None
    return email, list_key


def _list_key_prefixes(list_key: str) -> list[str]:
    """`forum.replies:topic:7` is covered by an opt-out of itself or of `forum.replies`."""
    parts = list_key.split(":")
    return [":".join(parts[: index + 1]) for index in range(len(parts))]


def is_opted_out(email: str, list_key: str) -> bool:
    prefixes = _list_key_prefixes(list_key)
    found = db.session.scalar(
        select(EmailOptOut.id)
        .where(EmailOptOut.email == email.lower(), EmailOptOut.list_key.in_(prefixes))
        .limit(1)
    )
    return found is not None


def opt_out(email: str, list_key: str) -> None:
    """Stop `list_key` for `email`; doing it twice is harmless. The caller commits."""
    if not is_opted_out(email, list_key):
        db.session.add(EmailOptOut(email=email.lower(), list_key=list_key))


def opt_in(email: str, list_key: str) -> None:
    """Undo an opt-out of exactly `list_key`. The caller commits."""
    db.session.execute(
        delete(EmailOptOut).where(
            EmailOptOut.email == email.lower(), EmailOptOut.list_key == list_key
        )
    )


def opted_out_lists(email: str) -> set[str]:
    return set(db.session.scalars(select(EmailOptOut.list_key).where(EmailOptOut.email == email)))


def _insert_ignoring_duplicate(values: dict[str, Any]) -> int | None:
    """Insert unless the dedupe key exists: one statement, safe against a racing writer."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return db.session.execute(statement).scalar_one_or_none()


def enqueue_email(
    *,
    to: str,
    subject: Any,
    template: str,
    context: Mapping[str, Any],
    dedupe_key: str,
    category: str,
    list_key: str | None = None,
    locale: str | None = None,
) -> int | None:
    """Queue one email in the current transaction; None when deduplicated or opted out.

    `template` names `templates/email/<template>.txt` and `.html`; the bodies and a lazy
    `subject` are rendered in the recipient's `locale`. With a `list_key`, the email carries a
    one-click unsubscribe link and header for that list.
    """
    if list_key and is_opted_out(to, list_key):
        return None
    headers: dict[str, str] = {}
    render_context = dict(context)
    if list_key:
        unsubscribe_url = external_url("outbox.unsubscribe", token=unsubscribe_token(to, list_key))
        render_context["unsubscribe_url"] = unsubscribe_url
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = str(subject)
        body_text = render_template(f"email/{template}.txt", **render_context)
        body_html = render_template(f"email/{template}.html", **render_context)
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].strip(" >") or "localhost"
    message_id = _insert_ignoring_duplicate(
        {
            "dedupe_key": dedupe_key[:255],
            "category": category,
            "to_address": to,
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers,
            "message_id": make_msgid(domain=domain),
        }
    )
    if message_id is not None:
        db.session.info[PENDING_FLAG] = True
    return message_id


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state, for `/healthz` and the admin page."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update(dict(rows))
    return counts


def oldest_queued_age_seconds() -> float | None:
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING])
        )
    )
    if oldest is None:
        return None
    return round((utcnow() - oldest).total_seconds(), 1)


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue with fresh attempts."""
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claim_token = None
    message.lease_expires_at = None
    db.session.info[PENDING_FLAG] = True
    db.session.commit()
