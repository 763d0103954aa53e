"""VIP fixtures: managers, clients assigned to them, messages at known times, socket clients."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db, socketio
from tests.conftest import UserRecord
from vip import services
from vip.models import VipConversation, VipMessage


@dataclass(frozen=True)
class Pair:
    """A VIP client, their manager, their backup, and the id of their conversation."""

    client: UserRecord
    manager: UserRecord
    backup: UserRecord
    conversation_id: int


def assign(
    app: Flask,
    client: UserRecord,
    manager: UserRecord | None,
    backup: UserRecord | None = None,
    tier: str | None = "gold",
) -> int:
    """Assign through the service, as the admin page does; returns the conversation id."""
    with app.test_request_context():
        conversation = services.assign_client(
            db.session.get(User, client.id),
            tier=tier,
            manager=db.session.get(User, manager.id) if manager else None,
            backup=db.session.get(User, backup.id) if backup else None,
            by=None,
        )
        return conversation.id


@pytest.fixture
def make_pair(app, make_user) -> Callable[..., Pair]:
    """A gold client with a manager and a backup: `make_pair(tier="platinum")`."""

    def factory(tier: str = "gold") -> Pair:
        client = make_user(vip_tier=tier)
        manager = make_user(roles=[Role.MANAGER])
        backup = make_user(roles=[Role.MANAGER])
        return Pair(client, manager, backup, assign(app, client, manager, backup, tier))

    return factory


@pytest.fixture
def pair(make_pair) -> Pair:
    return make_pair()


def post(
    app: Flask, author: UserRecord, conversation_id: int, body: str, at: datetime | None = None
) -> int:
    """Post through the service at a known time; returns the message id."""
    with app.test_request_context():
        message = services.post_message(
            db.session.get(User, author.id),
            db.session.get(VipConversation, conversation_id),
            body,
            now=at or utcnow(),
        )
        return message.id


def messages_in(app: Flask, conversation_id: int) -> list[VipMessage]:
    with app.test_request_context():
        rows = list(
            db.session.scalars(
                db.select(VipMessage)
                .where(VipMessage.conversation_id == conversation_id)
                .order_by(VipMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def conversation_row(app: Flask, conversation_id: int) -> VipConversation:
    with app.test_request_context():
        row = db.session.get(VipConversation, conversation_id)
        db.session.expunge_all()
        return row


def make_overdue(app: Flask, conversation_id: int, by: timedelta = timedelta(minutes=5)) -> None:
    """Move the client's wait into the past, so the promise ran out `by` ago."""
    with app.test_request_context():
        conversation = db.session.get(VipConversation, conversation_id)
        promise = conversation.reply_due_at - conversation.waiting_since
        conversation.reply_due_at = utcnow() - by
        conversation.waiting_since = conversation.reply_due_at - promise
        db.session.commit()


@pytest.fixture
def socket_for(app):
    """A Socket.IO test client on `/vip`, logged in as `user` (None: anonymous)."""
    clients = []

    def factory(user: UserRecord | None):
        http = app.test_client()
        if user is not None:
            http.login(user.email)
        client = socketio.test_client(app, namespace="/vip", flask_test_client=http)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        if client.is_connected("/vip"):
            client.disconnect(namespace="/vip")


def drain(client) -> dict[str, list]:
    """What this socket client received since the last call, payloads by event name."""
    received: dict[str, list] = defaultdict(list)
    for item in client.get_received("/vip"):
        received[item["name"]].append(item["args"][0] if item["args"] else None)
    return received
