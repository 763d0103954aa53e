"""Helpers the staff-side support tests share: acting as a person through the services,
reading rows back, counting SQL statements and reading the customer's outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from community.accounts.models import User
from community.accounts.sessions import open_session
from community.extensions import db
from community.outbox.models import OutboxMessage
from support.models import SupportRequest


def signed_in(app: Flask, person: Any | None) -> Any:
    """A test client whose session is `person`'s (None: a visitor).

    The support fixtures' addresses end in `.test`, which the login form's email check
    refuses as a reserved name, so a sign-in is opened through the service and the session
    written as Flask-Login writes it.
    """
    client = app.test_client()
    if person is not None:
        with app.app_context():
            user = db.session.get_one(User, person.id)
            open_session(user, "test client")
            session_id = user.get_id()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
    return client


@contextmanager
def acting(app: Flask, person: Any) -> Iterator[User]:
    """A request context and `person` as a real user, to call services as a view would."""
    with app.test_request_context():
        yield db.session.get_one(User, person.id)


def row(record: Any) -> SupportRequest:
    """The request of `record` in the current session (inside `acting`)."""
    return db.session.get_one(SupportRequest, record.id)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block, counted at the cursor."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def outbox_to(app: Flask, address: str) -> list[OutboxMessage]:
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
