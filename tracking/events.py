"""Socket.IO handlers of live tracking pages: check the numbers, join their rooms.

A tracking number is public (whoever holds it may open its page), so its room is too;
the server still decides the room names (`live.shipment_room`, the name pushes go to) and
refuses anything that is not a real number.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import emit, join_room

from community.extensions import socketio
from tracking import services
from tracking.live import NAMESPACE, shipment_room
from tracking.numbers import MAX_LOOKUP, is_valid_number, normalise_number


def _numbers(auth: Any) -> list[str]:
    raw = auth.get("numbers") if isinstance(auth, dict) else None
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_LOOKUP:
        return []
    numbers = [normalise_number(item) for item in raw if isinstance(item, str)]
    return [number for number in dict.fromkeys(numbers) if is_valid_number(number)]


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth: Any = None) -> bool:
    """Join the room of each existing number; tell the page each one's current version."""
    rows = [row for row in services.lookup(_numbers(auth)) if row.found]
    if not rows:
        return False
    for row in rows:
        join_room(shipment_room(row.number))
    # A page rendered just before an event, connecting just after it, catches up here.
    emit("watching", {"versions": {row.number: row.version for row in rows}})
    return True
