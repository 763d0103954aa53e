"""Socket.IO namespace `/forum`: authorise, join the server-chosen rooms, nothing else.

A topic page connects with `{"topic": <id>}`. The server loads the topic and lets the
connection join its room only when the login session's person (or an anonymous reader)
may see it, so a hidden topic's room refuses everyone but moderators and its author.
The connection is then told the topic's highest post number and version, so a page
rendered just before a reply and connected just after it catches up, and one that was
offline while something else changed offers a reload.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import emit, join_room

from community.extensions import db, socketio
from community.numbers import bounded_int
from forum import policy
from forum.models import Topic
from forum.services.realtime import NAMESPACE, topic_room


def _topic_id(auth: Any) -> int | None:
    """The topic a page names; a number no row can have names none (the connection is refused)."""
    value = auth.get("topic") if isinstance(auth, dict) else None
    return bounded_int(value, field="topic", default=None) if isinstance(value, int) else None


def connect(auth: Any = None) -> bool:
    topic_id = _topic_id(auth)
    if topic_id is None:
        return False
    topic = db.session.get(Topic, topic_id)
    if topic is None or not policy.can_see_topic(topic, current_user):
        return False
    join_room(topic_room(topic.id))
    emit(
        "watching",
        {"topic": topic.id, "last_number": topic.highest_number, "version": topic.version},
    )
    return True


def register() -> None:
    """Attach the handler to the Socket.IO server the app factory has just made."""
    socketio.on_event("connect", connect, namespace=NAMESPACE)
