"""Real-time pushes: sent after the commit that made them true, never failing the request.

A service queues a push while its transaction is open (`push_after_commit`); the push goes
out when that transaction commits and is dropped when it rolls back, so a browser never
hears of a change that was not stored. Outside a transaction there is nothing to wait for and
it goes out at once. A push is a courtesy to open pages, the change itself is stored, so a
failure (a lost Redis, a closed room) is logged and never reaches the person who acted.

Room names are chosen one way for every namespace: an HMAC of the room's meaning under
`SECRET_KEY`, so two portals that share one Redis never deliver into each other's rooms and a
browser cannot name a room it was not put in. With `REDIS_URL`, `socketio.emit` goes through
Flask-SocketIO's message queue and reaches connections held by any server process.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from community.extensions import db, socketio

log = logging.getLogger(__name__)

_QUEUE = "portico.pushes"


@lru_cache(maxsize=16384)
def _room_key(secret: str, meaning: str) -> str:
    return hmac.new(secret.encode(), meaning.encode(), hashlib.sha256).hexdigest()[:32]


def room(kind: str, ident: object) -> str:
    """The room of one thing (`room("forum-topic", 7)`), unguessable without the secret."""
    return f"{kind}:" + _room_key(current_app.config["SECRET_KEY"], f"{kind}:{ident}")


@dataclass(frozen=True)
class Push:
    event: str
    payload: dict[str, Any]
    namespace: str
    to: str | list[str]
    skip_sid: str | None = None
    close_room: bool = False


def push_after_commit(
    event_name: str,
    payload: dict[str, Any],
    *,
    namespace: str,
    to: str | list[str],
    skip_sid: str | None = None,
    close_room: bool = False,
) -> None:
    """Send `event_name` to the room(s) `to` once the current transaction commits.

    `close_room` empties the (single) room after the push: its readers must join again,
    through the permission check, when they reload.
    """
    rooms = list(dict.fromkeys([to] if isinstance(to, str) else to))
    if not rooms:
        return
    target = rooms if len(rooms) > 1 else rooms[0]
    push = Push(event_name, payload, namespace, target, skip_sid, close_room)
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_QUEUE, []).append(push)
    else:
        send(push)


def send(push: Push) -> None:
    """Emit one push now; a failure is logged, never raised."""
    try:
        socketio.emit(
            push.event, push.payload, to=push.to, namespace=push.namespace, skip_sid=push.skip_sid
        )
        if push.close_room and isinstance(push.to, str):
            socketio.close_room(push.to, namespace=push.namespace)
    except Exception:
        log.exception("live push %s to %s failed", push.event, push.namespace)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    pushes = session.info.pop(_QUEUE, [])
    if not pushes:
        return
    with socketio.batched():  # one round trip to the message queue for the whole commit
        for push in pushes:
            send(push)


@event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back (or closed) outer transaction takes its pushes with it."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_QUEUE, None)
