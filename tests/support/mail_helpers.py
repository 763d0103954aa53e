"""Helpers of the mail-in tests: the .eml fixtures, hostile messages built byte by byte, and
what was stored, read back outside the session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from community.extensions import db
from community.outbox.models import OutboxMessage
from support.mail import inbound
from support.mail.inbound import Received
from support.models import InboundMail, SupportAttachment, SupportMessage, SupportRequest

MAIL = Path(__file__).resolve().parent / "mail"
CASEY = "casey@customer.test"


def eml(name: str, **values: str) -> bytes:
    """A fixture message, with `{number}`-style placeholders filled in."""
    data = (MAIL / name).read_bytes()
    for key, value in values.items():
        data = data.replace(("{" + key + "}").encode(), value.encode())
    return data


def compose(
    *,
    sender: str = f"Casey Customer <{CASEY}>",
    to: str = "support@portico.localhost",
    subject: str = "The kettle arrived broken",
    body: str | bytes = "The lid is cracked. Can I send it back?",
    message_id: str | None = "<composed-1@customer.test>",
    headers: dict[str, str] | None = None,
    content_type: str = "text/plain; charset=utf-8",
) -> bytes:
    """A message written byte by byte, so tests can put anything in any header."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}"]
    head = "\n".join(lines).encode("utf-8", "surrogateescape")
    text = body if isinstance(body, bytes) else body.encode()
    return head + b"\n\n" + text + b"\n"


def receive(app: Flask, raw: bytes, now: datetime | None = None) -> Received:
    with app.app_context():
        return inbound.receive(raw, now=now)


def _detached(rows: list[Any]) -> list[Any]:
    for row in rows:
        db.session.expunge(row)
    return rows


def inbound_rows(app: Flask) -> list[InboundMail]:
    with app.app_context():
        return _detached(list(db.session.scalars(select(InboundMail).order_by(InboundMail.id))))


def request_rows(app: Flask) -> list[SupportRequest]:
    with app.app_context():
        query = select(SupportRequest).order_by(SupportRequest.id)
        return _detached(list(db.session.scalars(query)))


def messages_of(app: Flask, request_id: int) -> list[SupportMessage]:
    with app.app_context():
        query = (
            select(SupportMessage)
            .where(SupportMessage.request_id == request_id)
            .order_by(SupportMessage.id)
        )
        return _detached(list(db.session.scalars(query)))


def attachments_of(app: Flask, request_id: int) -> list[SupportAttachment]:
    with app.app_context():
        query = (
            select(SupportAttachment)
            .where(SupportAttachment.request_id == request_id)
            .order_by(SupportAttachment.id)
        )
        return _detached(list(db.session.scalars(query)))


def outbox_to(app: Flask, address: str) -> list[OutboxMessage]:
    with app.app_context():
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        )
        return _detached(list(db.session.scalars(query)))


def all_outbox(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        return _detached(list(db.session.scalars(select(OutboxMessage))))
