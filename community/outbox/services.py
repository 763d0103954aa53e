"""Queue emails inside the caller's transaction, and honour unsubscribes.

`enqueue_email` never commits: the email row lands with the event that caused it or not at
all. Delivery is somebody else's job (`community.outbox.delivery`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, or_, select

from community.db import utcnow
from community.extensions import db, insert_ignoring_conflicts
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


def list_key_prefixes(list_key: str) -> list[str]:
    """`forum.replies:topic:7` is covered by an opt-out of itself or of `forum.replies`."""
    parts = list_key.split(":")
    return [":".join(parts[: index + 1]) for index in range(len(parts))]


def is_opted_out(email: str, list_key: str) -> bool:
    prefixes = list_key_prefixes(list_key)
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


@dataclass(frozen=True)
class Email:
    """One email to queue; the fields mean what `enqueue_email`'s arguments mean."""

    to: str
    subject: Any
    template: str
    context: Mapping[str, Any]
    dedupe_key: str
    category: str
    list_key: str | None = None
    locale: str | None = None
    # Extra headers (In-Reply-To, References, Reply-To, Auto-Submitted) and a Message-ID
    # chosen by the caller, for conversations that thread replies by these headers.
    headers: Mapping[str, str] | None = None
    message_id: str | None = None
    # Held back this long before it is due, so that it can still be withdrawn
    # (`withdraw_queued`) when what it tells has been seen meanwhile.
    delay_seconds: int = 0


# Line and paragraph separators and control characters end a header line in some mail
# software and are refused by Python's email package: a header value never carries them.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def header_value(value: object, limit: int = 998) -> str:
    """`value` made safe for one header line: every line break and control character becomes
    a space, and the result is trimmed to `limit` characters."""
    return _HEADER_BREAKS.sub(" ", str(value)).strip()[:limit]


def new_message_id() -> str:
    """A Message-ID in our mail domain, for a caller that must know it before queueing."""
    return make_msgid(domain=_mail_domain())


def _mail_domain() -> str:
    return current_app.config["MAIL_FROM"].rpartition("@")[2].strip(" >") or "localhost"


def _opted_out(emails: Sequence[Email]) -> set[tuple[str, str]]:
    """The (address, list key) opt-outs that concern these emails, in one query."""
    addresses = {email.to.lower() for email in emails if email.list_key}
    if not addresses:
        return set()
    keys = {
        prefix for email in emails if email.list_key for prefix in list_key_prefixes(email.list_key)
    }
    rows = db.session.execute(
        select(EmailOptOut.email, EmailOptOut.list_key).where(
            EmailOptOut.email.in_(addresses), EmailOptOut.list_key.in_(keys)
        )
    )
    return {(row.email, row.list_key) for row in rows}


def _render_row(email: Email, domain: str, now: datetime) -> dict[str, Any]:
    """The outbox row of one email, rendered in the current (forced) locale.

    Templates render without the page's context processors, which describe the visitor
    rather than the recipient (and halve the cost of a short email); Jinja's globals still
    give them `config` and gettext.
    """
    environment = current_app.jinja_env
    headers = {
        header_value(name, 76): header_value(value) for name, value in (email.headers or {}).items()
    }
    context = dict(email.context)
    if email.list_key:
        url = external_url("outbox.unsubscribe", token=unsubscribe_token(email.to, email.list_key))
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return {
        "dedupe_key": email.dedupe_key[:255],
        "category": email.category,
        "to_address": header_value(email.to, 254),
        "subject": header_value(email.subject, 255),
        "body_text": environment.get_template(f"email/{email.template}.txt").render(context),
        "body_html": environment.get_template(f"email/{email.template}.html").render(context),
        "headers": headers,
        "message_id": header_value(email.message_id or make_msgid(domain=domain), 255),
        "next_attempt_at": now + timedelta(seconds=max(email.delay_seconds, 0)),
    }


def _queue(emails: Sequence[Email]) -> list[int]:
    """Insert the emails that are neither opted out nor already queued; their new ids."""
    config = current_app.config
    opted_out = _opted_out(emails)
    by_locale: dict[str, list[Email]] = {}
    seen: set[str] = set()
    for email in emails:
        key = email.dedupe_key[:255]
        if key in seen:
            continue
        if email.list_key and any(
            (email.to.lower(), prefix) in opted_out for prefix in list_key_prefixes(email.list_key)
        ):
            continue
        seen.add(key)
        by_locale.setdefault(email.locale or config["BABEL_DEFAULT_LOCALE"], []).append(email)
    domain = _mail_domain()
    now = utcnow()
    rows = []
    for locale, group in by_locale.items():
        with force_locale(locale):
            rows.extend(_render_row(email, domain, now) for email in group)
    if not rows:
        return []
    table = OutboxMessage.__table__
    # ON CONFLICT DO NOTHING: one statement, safe against a writer racing on the same key.
    statement = insert_ignoring_conflicts(table, ["dedupe_key"]).returning(table.c.id)
    ids = [row.id for row in db.session.execute(statement, rows)]
    if ids:
        db.session.info[PENDING_FLAG] = True
    return ids


def enqueue_emails(emails: Sequence[Email]) -> int:
    """Queue many emails with a constant number of statements; how many were added.

    The same rules as `enqueue_email` (opt-outs skipped, a dedupe key queued once, no
    commit), for events that alert many people at once.
    """
    return len(_queue(emails))


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
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> int | None:
    """Queue one email in the current transaction; its id, or None when deduplicated or
    opted out.

    `template` names `templates/email/<template>.txt` and `.html`; the bodies and a lazy
    `subject` are rendered in the recipient's `locale`. With a `list_key`, the email carries a
    one-click unsubscribe link and header for that list.
    """
    email = Email(
        to, subject, template, context, dedupe_key, category, list_key, locale, headers, message_id
    )
    ids = _queue([email])
    return ids[0] if ids else None


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state, for `/healthz` and the admin page."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update(dict(rows))
    return counts


def oldest_queued_age_seconds() -> float | None:
    """How long the longest-waiting message has been due: an email held back on purpose
    (`Email.delay_seconds`) or waiting for its retry is not late yet."""
    now = utcnow()
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]),
            OutboxMessage.next_attempt_at <= now,
        )
    )
    if oldest is None:
        return None
    return round((now - oldest).total_seconds(), 1)


def withdraw_queued(dedupe_keys: Sequence[str] = (), *, prefixes: Sequence[str] = ()) -> int:
    """Delete the emails with these dedupe keys (or key prefixes) that no worker has taken
    yet; how many were withdrawn.

    For an email whose news the recipient has already seen in the site, or that is about
    something no longer shown. One a worker has claimed is left to go: it may be on the wire.
    """
    matches = [OutboxMessage.dedupe_key.startswith(prefix, autoescape=True) for prefix in prefixes]
    if dedupe_keys:
        matches.append(OutboxMessage.dedupe_key.in_([key[:255] for key in dedupe_keys]))
    if not matches:
        return 0
    result = db.session.execute(
        delete(OutboxMessage).where(or_(*matches), OutboxMessage.status == OutboxStatus.QUEUED)
    )
    return int(result.rowcount or 0)


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue with fresh attempts."""
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claim_token = None
    message.lease_expires_at = None
    db.session.info[PENDING_FLAG] = True
    db.session.commit()
