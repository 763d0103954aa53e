"""Socket.IO namespace `/support`: authorise from the session, join server-chosen rooms, and
relay staff presence.

Staff and customers connect with their login session; a visitor who opened a request
through its signed follow link connects without one and may only join that request. Then:

- `join_inbox` (no data): an agent joins their own room, where `inbox_changed` arrives;
- `join_request` `{"number": "100042"}`: the server loads the request and lets the
  connection join its room (`request_changed`) only if the session's person may read it (its
  requester, or staff who may work it); staff who may work it also join its staff room. The
  answer (acknowledgement, and a `watching` event) carries the request's version and status,
  so a page rendered just before a change catches up;
- `presence` `{"number": "100042", "state": "viewing" | "typing" | "left"}`: for a request
  this connection joined as staff, the others in its staff room hear who (the name from the
  session, never from the browser) is looking at or typing in it. Customers are never in a
  staff room, so presence never reaches them. A closed connection says "left" for it.

A bad payload (wrong type, a number too long, a NUL) or a refusal is answered with a
`support_error` event (and the same error in the acknowledgement), never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from flask import session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, emit, join_room
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from community.accounts.permissions import acting_user
from community.errors import DomainError, InvalidInput, NotAllowed, NotFound
from community.extensions import db, socketio
from support import policy
from support.services import access, customer, directory
from support.services.realtime import NAMESPACE, agent_room, request_room, staff_room

log = logging.getLogger(__name__)

ERROR_EVENT = "support_error"
WATCHING = "support_watching"  # per connection: number -> request id, for staff rooms joined
NUMBER_PATTERN = r"^[0-9]{1,20}$"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RequestIn(_Payload):
    number: str = Field(max_length=20, pattern=NUMBER_PATTERN)


class PresenceIn(RequestIn):
    state: Literal["viewing", "typing", "left"]


def _reject(event: str, error: dict[str, Any]) -> dict[str, Any]:
    body = {"event": event, **error}
    emit(ERROR_EVENT, body)
    return {"ok": False, "error": body}


def _parse(model: type[_Payload], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        location = error.errors()[0].get("loc") or ("data",)
        raise InvalidInput(_("This event's data is not valid."), str(location[0])) from error


def _watching() -> dict[str, int]:
    watching = session.get(WATCHING)
    return watching if isinstance(watching, dict) else {}


def _say(number: str, request_id: int, state: str) -> None:
    """Tell the other staff with this request open what this person is doing."""
    payload = {
        "number": number,
        "user": current_user.id,
        "name": current_user.display_name,
        "state": state,
    }
    emit("presence", payload, to=staff_room(request_id), include_self=False)


class SupportNamespace(Namespace):
    """Support's live channel; every event handler goes through `_handle`."""

    def on_connect(self, auth: Any = None) -> None:
        session[WATCHING] = {}

    def on_disconnect(self, reason: Any = None) -> None:
        try:
            for number, request_id in _watching().items():
                _say(number, request_id, "left")
        except Exception:  # a closing connection never fails loudly
            log.exception("support presence on disconnect failed")

    def on_join_inbox(self, data: Any = None) -> dict[str, Any]:
        return self._handle("join_inbox", data, self._join_inbox)

    def on_join_request(self, data: Any = None) -> dict[str, Any]:
        return self._handle("join_request", data, self._join_request)

    def on_presence(self, data: Any = None) -> dict[str, Any]:
        return self._handle("presence", data, self._presence)

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Unknown events are answered, so a buggy page learns instead of waiting."""
        if not hasattr(self, f"on_{event or ''}"):
            return self.socketio._handle_event(self._unknown, event, self.namespace, *args)
        return super().trigger_event(event, *args)

    def _unknown(self, *args: Any) -> dict[str, Any]:
        return _reject("unknown", {"code": 400, "message": _("Unknown event.")})

    def _handle(self, event: str, data: Any, action: Callable[[Any], dict[str, Any]]) -> Any:
        try:
            if event != "join_request" and not policy.signed_in(current_user):
                return _reject(event, {"code": 401, "message": _("Please log in again.")})
            return {"ok": True, **action(data)}
        except DomainError as error:
            db.session.rollback()
            return _reject(event, error.as_dict())
        except Exception:
            log.exception("support event %s failed", event)
            db.session.rollback()
            return _reject(event, {"code": 500, "message": _("Something went wrong on our side.")})

    def _join_inbox(self, data: Any) -> dict[str, Any]:
        if data not in (None, {}):
            raise InvalidInput(_("This event's data is not valid."), "data")
        if not policy.is_agent(current_user):
            raise NotAllowed(_("Only support agents can do this."))
        join_room(agent_room(current_user.id))
        return {}

    def _join_request(self, data: Any) -> dict[str, Any]:
        payload: RequestIn = _parse(RequestIn, data)
        if not policy.signed_in(current_user):
            return self._join_followed(payload)
        user = acting_user()
        found = access.by_number(payload.number)
        departments = directory.department_ids_of(user) if found is not None else set()
        if found is None or not policy.may_read(user, found, departments):
            if found is not None and policy.is_agent(user):
                raise NotAllowed(_("This request belongs to a department you do not work in."))
            raise NotFound()
        join_room(request_room(found.id))
        staff = policy.may_work(user, found, departments)
        if staff:
            join_room(staff_room(found.id))
            session[WATCHING] = {**_watching(), found.number: found.id}
        state = {"number": found.number, "version": found.version, "status": found.status}
        emit("watching", {**state, "staff": staff})
        return {**state, "staff": staff}

    def _join_followed(self, payload: RequestIn) -> dict[str, Any]:
        """A visitor on the page of a request they opened through its follow link."""
        found = access.by_number(payload.number)
        if found is None or not customer.follows(session, found.id):
            raise NotFound()
        join_room(request_room(found.id))
        state = {"number": found.number, "version": found.version, "status": found.status}
        emit("watching", {**state, "staff": False})
        return {**state, "staff": False}

    def _presence(self, data: Any) -> dict[str, Any]:
        payload: PresenceIn = _parse(PresenceIn, data)
        request_id = _watching().get(payload.number)
        if request_id is None:
            raise NotAllowed(_("Open the request as staff first."))
        _say(payload.number, request_id, payload.state)
        if payload.state == "left":
            session[WATCHING] = {
                number: ident for number, ident in _watching().items() if number != payload.number
            }
        return {}


def register() -> None:
    """Attach the namespace once; every Socket.IO server the app factory makes then has it."""
    if not any(handler.namespace == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(SupportNamespace(NAMESPACE))
