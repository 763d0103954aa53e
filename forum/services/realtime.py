"""Live topic pages: what each forum change tells the browsers watching, once it commits.

Each open topic page joins its topic's room (`forum.events` checks the reader may see the
topic first). The notification badge is live on every page through `community.badges`.
Pushes carry only ids, numbers and the topic's version: the page fetches the new posts
itself, rendered for its reader (language, time zone, the buttons that reader may use),
through the same permission checks as a page load. The version lets a page that was
offline for a while see that it missed something.

Services call these inside their transaction, before the commit: the payload is read from
the rows as they will be committed, and `community.realtime.push_after_commit` sends it
when the commit succeeds (and drops it on a rollback).
"""

from __future__ import annotations

from typing import Any

from community.extensions import db
from community.realtime import push_after_commit, room
from forum.models import Post, Topic

NAMESPACE = "/forum"


def topic_room(topic_id: int) -> str:
    """The room of a topic's open pages; only `forum.events` lets anyone in."""
    return room("forum-topic", topic_id)


def _push_to_topic(event: str, topic_id: int, payload: dict[str, Any], **options: Any) -> None:
    push_after_commit(event, payload, namespace=NAMESPACE, to=topic_room(topic_id), **options)


def _version(topic: Topic) -> int:
    """The version this transaction gives the topic (counters set it as an expression)."""
    db.session.flush()
    return topic.version


def post_created(topic: Topic, number: int) -> None:
    """A reply: open pages fetch posts after the ones they show."""
    payload = {"topic": topic.id, "number": number, "version": _version(topic)}
    _push_to_topic("post_created", topic.id, payload)


def post_changed(topic: Topic, post_id: int) -> None:
    """An edit, a deletion or moderation: open pages fetch that post again."""
    payload = {"topic": topic.id, "post": post_id, "version": _version(topic)}
    _push_to_topic("post_changed", topic.id, payload)


def post_voted(topic: Topic, post: Post) -> None:
    """A reply's votes changed: open pages show the new count in place."""
    version = _version(topic)
    payload = {"topic": topic.id, "post": post.id, "count": post.vote_count, "version": version}
    _push_to_topic("post_voted", topic.id, payload)


def topic_changed(topic: Topic) -> None:
    """Solved, locked, pinned or moved: the page offers a reload."""
    _push_to_topic("topic_changed", topic.id, {"topic": topic.id, "version": _version(topic)})


def topic_gone(topic_id: int) -> None:
    """Hidden or deleted: tell the open pages, then empty the room.

    Readers who may still see the topic (moderators) join again when they reload.
    """
    _push_to_topic("topic_gone", topic_id, {"topic": topic_id}, close_room=True)
