"""Live topic pages: push what changed to the browsers watching, after the commit.

Each open topic page joins its topic's room (`forum.events` checks the reader may see the
topic first); a signed-in reader also joins their own room, for the notification count.
Pushes carry only ids, numbers and the topic's version: the page fetches the new posts
itself, rendered for its reader (language, time zone, the buttons that reader may use),
through the same permission checks as a page load. The version lets a page that was
offline for a while see that it missed something. Room names are keyed with the secret
key, so two portals sharing one Redis never deliver into each other's rooms.

With `REDIS_URL` set, `socketio.emit` goes through Flask-SocketIO's message queue and
reaches readers connected to any server process.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from community.extensions import db, socketio
from forum.models import Notification, Topic

log = logging.getLogger(__name__)

NAMESPACE = "/forum"


@lru_cache(maxsize=8192)
def _room_key(secret: str, name: str) -> str:
    return hmac.new(secret.encode(), name.encode(), hashlib.sha256).hexdigest()[:32]


def topic_room(topic_id: int) -> str:
    """The room of a topic's open pages; only `forum.events` lets anyone in."""
    return "forum:" + _room_key(current_app.config["SECRET_KEY"], f"topic:{topic_id}")


def user_room(user_id: int) -> str:
    """The room of one person's open forum pages."""
    return "forum:" + _room_key(current_app.config["SECRET_KEY"], f"user:{user_id}")


def _emit(event: str, payload: dict[str, Any], room: str | list[str]) -> None:
    """A push is a courtesy to open pages: the change is stored, so a failure is logged."""
    try:
        socketio.emit(event, payload, to=room, namespace=NAMESPACE)
    except Exception:
        log.exception("forum: live push %s failed", event)


def post_created(topic: Topic, number: int) -> None:
    """A reply was committed: open pages fetch posts after the ones they show."""
    payload = {"topic": topic.id, "number": number, "version": topic.version}
    _emit("post_created", payload, topic_room(topic.id))


def post_changed(topic: Topic, post_id: int) -> None:
    """An edit, a deletion or moderation: open pages fetch that post again."""
    payload = {"topic": topic.id, "post": post_id, "version": topic.version}
    _emit("post_changed", payload, topic_room(topic.id))


def post_voted(topic: Topic, post_id: int, count: int) -> None:
    """A reply's votes changed: open pages show the new count in place."""
    payload = {"topic": topic.id, "post": post_id, "count": count, "version": topic.version}
    _emit("post_voted", payload, topic_room(topic.id))


def topic_changed(topic: Topic) -> None:
    """Solved, locked, pinned or moved: the page offers a reload."""
    _emit("topic_changed", {"topic": topic.id, "version": topic.version}, topic_room(topic.id))


def topic_gone(topic_id: int) -> None:
    """Hidden or deleted: tell the open pages, then empty the room.

    Readers who may still see the topic (moderators) join again when they reload.
    """
    room = topic_room(topic_id)
    _emit("topic_gone", {"topic": topic_id}, room)
    try:
        socketio.close_room(room, namespace=NAMESPACE)
    except Exception:
        log.exception("forum: closing a topic room failed")


def notification_counts(user_ids: Iterable[int]) -> None:
    """Each person's unread count, for the badge in the navigation (one query for all)."""
    people = list(dict.fromkeys(user_ids))
    if not people:
        return
    counts = dict.fromkeys(people, 0)
    counts.update(
        db.session.execute(
            select(Notification.user_id, func.count(Notification.id))
            .where(Notification.user_id.in_(people), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        ).all()
    )
    for user_id, count in counts.items():
        _emit("notifications", {"count": count}, user_room(user_id))
