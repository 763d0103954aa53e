"""The navigation's badges, live on every page a member has open.

Each signed-in page opens one Socket.IO connection to `/me`, which joins its member's own
room and nothing else. A service that changes what a badge counts (a forum notice, a VIP
message, a support request) calls `badges_changed` inside its transaction; once it commits,
every open page of those people hears `badges` and fetches `/me/badges`: each count its
reader may see, from the one statement the navigation itself runs. The push carries no
numbers, so no feature computes counts for people who are not looking, and a count is only
ever read by its own reader, through the same visibility rules as the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, jsonify
from flask_login import current_user
from flask_socketio import join_room

from community.extensions import socketio
from community.navigation import nav_counts
from community.realtime import push_after_commit, room
from community.registry import registry

NAMESPACE = "/me"


def user_room(user_id: int) -> str:
    """The room of every open page of one member; only `connect` puts anyone in it."""
    return room("member", user_id)


def badges_changed(user_ids: Iterable[int | None]) -> None:
    """These people's open pages refresh their badges once the current transaction commits."""
    rooms = [user_room(user_id) for user_id in sorted({uid for uid in user_ids if uid})]
    if rooms:
        push_after_commit("badges", {}, namespace=NAMESPACE, to=rooms)


def counts_for(user: Any) -> dict[str, int]:
    """Every badge `user` may see, by key: the navigation's own counts."""
    return {badge.key: count for badge, count in nav_counts(registry().nav_badges, user)}


def connect(auth: Any = None) -> bool:
    """Members only; the room comes from the login session, never from the browser."""
    if not current_user.is_authenticated:
        return False
    join_room(user_room(current_user.id))
    return True


def badges_view():  # type: ignore[no-untyped-def]
    """`GET /me/badges`: the signed-in reader's counts as JSON, never cached."""
    if not current_user.is_authenticated:
        return jsonify(error="sign in to see your counts"), 401
    response = jsonify(badges=counts_for(current_user))
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/me/badges", "badges", badges_view, methods=["GET"])
    socketio.on_event("connect", connect, namespace=NAMESPACE)
