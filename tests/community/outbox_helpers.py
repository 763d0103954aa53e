"""Reading the outbox in tests: what a person would find in their inbox."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from community.extensions import db
from community.outbox.models import OutboxMessage


def queued_to(app: Flask, address: str) -> list[OutboxMessage]:
    """Outbox rows for `address`, oldest first (detached, with their columns loaded)."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.to_address == address)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def link_in(body: str, path_fragment: str) -> str:
    """The first URL in an email body whose path contains `path_fragment`, as a local path."""
    for url in re.findall(r"https?://[^\s<>\"]+", body):
        if path_fragment in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link containing {path_fragment!r} in:\n{body}")
