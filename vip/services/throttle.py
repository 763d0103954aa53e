"""Rate limits for messaging, per person, shared by the socket events and the plain form.

They are counted in Flask-Limiter's storage (memory, or Redis when `REDIS_URL` is set), so
a person holding connections to several server processes still has one allowance.
Settings: `VIP_MESSAGE_RATE_LIMIT` (messages) and `VIP_EVENT_RATE_LIMIT` (typing and read
receipts), in Flask-Limiter's notation; `RATELIMIT_ENABLED` switches both off like the rest.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many

from community.errors import RateLimited
from community.extensions import limiter
from vip.services.realtime import user_room

_SETTINGS = {"message": "VIP_MESSAGE_RATE_LIMIT", "event": "VIP_EVENT_RATE_LIMIT"}


def hit(kind: str, user_id: int) -> None:
    """Count one `kind` action for the person; RateLimited (429) once over the limit."""
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return
    setting = config[_SETTINGS[kind]]
    # The room key, not the id: portals sharing one Redis keep separate allowances.
    identity = user_room(user_id)
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    for item in parse_many(setting):
        if not limiter.limiter.hit(item, prefix, kind, identity):
            raise RateLimited(_("You are sending too fast. Wait a moment and try again."))
