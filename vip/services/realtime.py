"""The conversation events pushed to the people in them, queued before the commit.

Each connection joins one room, its user's (`room("vip-user", id)`), chosen by the server
from the login session. An event goes to the rooms of everyone who may read its
conversation at that moment (`policy.readers`), so a reassignment or a backup stepping in
takes effect on the next message without anyone reconnecting. Every push goes through
`community.realtime.push_after_commit`: it leaves once the change is stored, and a broken
queue is logged, never shown to the person who acted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from community.realtime import push_after_commit, room
from vip.models import VipConversation, VipMessage

NAMESPACE = "/vip"


def user_room(user_id: int) -> str:
    """The room every connection of `user_id` joins, and nobody else can name."""
    return room("vip-user", user_id)


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


def push_to(
    user_ids: list[int], event: str, payload: dict[str, Any], skip_sid: str | None = None
) -> None:
    """One push (one message-queue publish) to every listed person's room, after the commit.

    `skip_sid` leaves out the connection the event came from: it has its answer already.
    """
    rooms = [user_room(user_id) for user_id in dict.fromkeys(user_ids)]
    push_after_commit(event, payload, namespace=NAMESPACE, to=rooms, skip_sid=skip_sid)


def push_message(people: list[int], payload: dict[str, Any], origin_sid: str | None) -> None:
    push_to(people, "new_message", payload, skip_sid=origin_sid)


def push_seen(
    conversation_id: int, people: list[int], now: datetime, up_to: int, by_staff: bool
) -> None:
    """Tell the writers their messages up to `up_to` were seen."""
    push_to(
        people,
        "seen",
        {
            "conversation": conversation_id,
            "up_to": up_to,
            "by_staff": by_staff,
            "at": now.isoformat(),
        },
    )


def push_typing(conversation_id: int, others: list[int], name: str, typing: bool) -> None:
    push_to(others, "typing", {"conversation": conversation_id, "name": name, "typing": typing})


def push_escalation(conversation: VipConversation, client_name: str) -> None:
    if conversation.backup_manager_id is not None:
        push_to(
            [conversation.backup_manager_id],
            "escalated",
            {"conversation": conversation.id, "client": client_name},
        )


def push_assignment(conversation_id: int, people: list[int]) -> None:
    push_to(people, "assignment", {"conversation": conversation_id})
