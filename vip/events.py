"""Socket.IO namespace `/vip`: authorise, join the server-chosen room, hand over to services.

A connection is admitted from its login session only (a VIP client or an account manager),
and joins its user's room; it never names a room. Each event's payload is validated
(shape, types, lengths) and rate limited per person; a bad one is answered with a
`vip_error` event (and the same error in the acknowledgement), never with a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, SocketIO, disconnect, emit, join_room
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from community.accounts.models import User
from community.accounts.permissions import acting_user
from community.api import validation_fields
from community.db import utcnow
from community.errors import DomainError, InvalidInput
from community.extensions import db
from community.numbers import RowId
from vip import policy, services
from vip.models import MESSAGE_MAX_LENGTH
from vip.services import NAMESPACE, throttle

log = logging.getLogger(__name__)

ERROR_EVENT = "vip_error"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    # A client's own conversation is implied; staff say which one (an id, never a room).
    conversation: RowId | None = None


class SendIn(_Payload):
    body: str = Field(max_length=MESSAGE_MAX_LENGTH)
    nonce: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]*$")


class TypingIn(_Payload):
    typing: bool


class ReadIn(_Payload):
    up_to: RowId | None = None


def _reject(event: str, error: dict[str, Any]) -> dict[str, Any]:
    """Answer the requesting socket with `vip_error`, and the same error in the ack."""
    body = {"event": event, **error}
    emit(ERROR_EVENT, body)
    return {"ok": False, "error": body}


def _transport_error(code: int, message: str) -> dict[str, Any]:
    """A refusal of the channel itself (no rule of the club): unknown event, lost session."""
    return {"code": code, "message": message}


def _parse(model: type[_Payload], data: Any) -> _Payload:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = validation_fields(error)[0]
        raise InvalidInput(_("This event's data is not valid."), field=first["field"]) from error


class VipNamespace(Namespace):
    """The club's real-time channel; every handler goes through `_handle`."""

    def on_connect(self, auth: Any = None) -> None:
        if not policy.is_club_member(current_user):
            raise ConnectionRefusedError("not a member of the VIP club")
        join_room(services.user_room(current_user.id))

    def on_disconnect(self, reason: Any = None) -> None:
        return None

    def on_send(self, data: Any = None) -> dict[str, Any]:
        return self._handle("send", SendIn, data, self._send)

    def on_typing(self, data: Any = None) -> dict[str, Any]:
        return self._handle("typing", TypingIn, data, self._typing)

    def on_read(self, data: Any = None) -> dict[str, Any]:
        return self._handle("read", ReadIn, data, self._read)

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Unknown events are answered, not silently dropped, so a buggy client learns."""
        if not hasattr(self, f"on_{event or ''}"):
            return self.socketio._handle_event(self._unknown, event, self.namespace, *args)
        return super().trigger_event(event, *args)

    def _unknown(self, *args: Any) -> dict[str, Any]:
        event = request.event["message"] if hasattr(request, "event") else ""
        return _reject(str(event)[:40], _transport_error(400, _("Unknown event.")))

    # ---------------------------------------------------------------------------------
    def _handle(
        self,
        event: str,
        model: type[_Payload],
        data: Any,
        action: Callable[[User, Any], dict[str, Any]],
    ) -> dict[str, Any]:
        try:
            user = self._member()
            if user is None:
                return _reject(event, _transport_error(401, _("Please log in again.")))
            throttle.hit("message" if event == "send" else "event", user.id)
            return {"ok": True, **action(user, _parse(model, data))}
        except DomainError as error:
            db.session.rollback()
            return _reject(event, error.as_dict())
        except Exception:
            log.exception("vip event %s failed", event)
            db.session.rollback()
            return _reject(event, _transport_error(500, _("Something went wrong on our side.")))

    def _member(self) -> User | None:
        """The connection's person, checked again: a password change or a lost tier ends it."""
        if not policy.is_club_member(current_user):
            disconnect()
            return None
        return acting_user()

    def _send(self, user: User, payload: SendIn) -> dict[str, Any]:
        conversation, _side = services.reachable_conversation(user, payload.conversation, utcnow())
        posted = services.post_message(
            user, conversation, payload.body, nonce=payload.nonce, origin_sid=request.sid
        )
        return {"message": posted.payload}

    def _typing(self, user: User, payload: TypingIn) -> dict[str, Any]:
        conversation, _side = services.reachable_conversation(user, payload.conversation, utcnow())
        services.notify_typing(user, conversation, payload.typing)
        return {}

    def _read(self, user: User, payload: ReadIn) -> dict[str, Any]:
        conversation, _side = services.reachable_conversation(user, payload.conversation, utcnow())
        return {"marked": services.mark_read(user, conversation, payload.up_to)}


def register(socketio: SocketIO) -> None:
    """Attach the namespace once per process; every app's Socket.IO server then gets it."""
    if not any(handler.namespace == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(VipNamespace(NAMESPACE))
