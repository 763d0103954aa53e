"""Pushing conversation events to the people in them, after the commit that made them true.

Each connection joins one room, its user's, chosen by the server from the login session.
A message is pushed to the rooms of everyone who may read its conversation at that moment,
so a reassignment or a backup stepping in takes effect on the next message without anyone
reconnecting. Room names are keyed with the secret key: two portals that share one Redis
(staging and production, say) never deliver into each other's rooms.

With `REDIS_URL` set, `socketio.emit` goes through Flask-SocketIO's message queue and
reaches connections held by any server process.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import current_app

from community.extensions import socketio
from vip.models import VipConversation, VipMessage

NAMESPACE = "/vip"


@lru_cache(maxsize=4096)
def _room_key(secret: str, user_id: int) -> str:
    return hmac.new(secret.encode(), f"vip-user:{user_id}".encode(), hashlib.sha256).hexdigest()


def user_room(user_id: int) -> str:
    """The room every connection of `user_id` joins, and nobody else can name."""
    return "vip:" + _room_key(current_app.config["SECRET_KEY"], user_id)[:32]


def audience(conversation: VipConversation, now: datetime) -> list[int]:
    """Everyone who may read the conversation now: client, manager, backup once stepped in."""
    people = [conversation.client_id]
    if conversation.manager_id is not None:
        people.append(conversation.manager_id)
    if conversation.backup_manager_id is not None and conversation.backup_may_step_in(now):
        people.append(conversation.backup_manager_id)
    return list(dict.fromkeys(people))


def message_payload(message: VipMessage, nonce: str | None = None) -> dict[str, Any]:
    """What a browser needs to show a message; `html` was sanitised when it was saved."""
    author = message.author
    return {
        "id": message.id,
        "conversation": message.conversation_id,
        "author": {
            "id": author.id if author else None,
            "name": author.display_name if author else "",
            "initials": author.initials if author else "?",
        },
        "from_staff": message.from_staff,
        "by_backup": message.by_backup,
        "html": message.body_html,
        "created_at": message.created_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
        "nonce": nonce,
    }


def emit_to(
    user_ids: list[int], event: str, payload: dict[str, Any], skip_sid: str | None = None
) -> None:
    """One emit (one message-queue publish) to every listed person's room.

    `skip_sid` leaves out the connection the event came from: it has its answer already.
    """
    rooms = [user_room(user_id) for user_id in dict.fromkeys(user_ids)]
    if rooms:
        socketio.emit(
            event,
            payload,
            to=rooms if len(rooms) > 1 else rooms[0],
            namespace=NAMESPACE,
            skip_sid=skip_sid,
        )


def push_seen(
    conversation_id: int, people: list[int], now: datetime, up_to: int, by_staff: bool
) -> None:
    """Tell the writers their messages up to `up_to` were seen."""
    emit_to(
        people,
        "seen",
        {
            "conversation": conversation_id,
            "up_to": up_to,
            "by_staff": by_staff,
            "at": now.isoformat(),
        },
    )


def push_typing(
    conversation: VipConversation, now: datetime, typer_id: int, name: str, typing: bool
) -> None:
    others = [person for person in audience(conversation, now) if person != typer_id]
    emit_to(
        others,
        "typing",
        {"conversation": conversation.id, "name": name, "typing": typing},
    )


def push_unread(counts: dict[int, int]) -> None:
    """Each person's new unread total, for the badge in the navigation."""
    for user_id, count in counts.items():
        emit_to([user_id], "unread", {"count": count})


def push_escalation(conversation: VipConversation, client_name: str) -> None:
    if conversation.backup_manager_id is not None:
        emit_to(
            [conversation.backup_manager_id],
            "escalated",
            {"conversation": conversation.id, "client": client_name},
        )


def push_assignment(conversation: VipConversation, people: list[int]) -> None:
    emit_to(people, "assignment", {"conversation": conversation.id})
