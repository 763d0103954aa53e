"""Who may read and write which conversation: the one place those rules live.

A VIP client reaches only their own conversation; a manager only the conversations of the
clients assigned to them; a backup manager only once a client has waited past the promise
of their tier. Everything else is refused with 404 (a conversation that is none of your
business does not exist for you) or 403 (the backup, who knows it exists, is told why).
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.accounts.models import Role, User
from community.extensions import db
from vip.models import VipConversation


class VipError(Exception):
    """A rule said no: `status` is the HTTP-like code, `field` the input it concerns."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.status, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class Side(enum.StrEnum):
    """How a person takes part in a conversation."""

    CLIENT = "client"
    MANAGER = "manager"
    BACKUP = "backup"


def _signed_in(user: User | None) -> bool:
    """Logged in and allowed to be; outside a request there is nobody (None)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_manager(user: User | None) -> bool:
    return _signed_in(user) and user.has_role(Role.MANAGER)  # type: ignore[union-attr]


def is_club_member(user: User | None) -> bool:
    """A VIP client or an account manager: the people the messaging namespace admits."""
    return _signed_in(user) and (user.is_vip or is_manager(user))  # type: ignore[union-attr]


def not_found() -> VipError:
    return VipError(404, _("There is no such conversation."))


def side_of(user: User, conversation: VipConversation, now: datetime) -> Side:
    """The part `user` plays in `conversation`, or the refusal, as VipError."""
    if not user.is_authenticated or not user.is_active:
        raise not_found()
    if conversation.client_id == user.id:
        if not user.is_vip:
            raise VipError(403, _("The VIP club is for VIP clients."))
        return Side.CLIENT
    if not is_manager(user):
        raise not_found()
    if conversation.manager_id == user.id:
        return Side.MANAGER
    if conversation.backup_manager_id == user.id:
        if conversation.backup_may_step_in(now):
            return Side.BACKUP
        raise VipError(
            403,
            _(
                "You are this client's backup manager: you can read and answer once they "
                "have waited longer than their promised response time."
            ),
        )
    raise not_found()


def conversation_by_id(conversation_id: int) -> VipConversation:
    conversation = db.session.get(VipConversation, conversation_id)
    if conversation is None:
        raise not_found()
    return conversation


def own_conversation(client: User) -> VipConversation:
    """A VIP client's conversation, created on first need (each client has exactly one)."""
    if not client.is_authenticated or not client.is_vip:
        raise VipError(403, _("The VIP club is for VIP clients."))
    return conversation_for_client(client)


def existing_conversation(client: User) -> VipConversation | None:
    return db.session.scalar(select(VipConversation).where(VipConversation.client_id == client.id))


def conversation_for_client(client: User) -> VipConversation:
    """The client's one conversation; a race to create it ends with both callers on one row."""
    conversation = db.session.scalar(
        select(VipConversation).where(VipConversation.client_id == client.id)
    )
    if conversation is not None:
        return conversation
    conversation = VipConversation(client_id=client.id)
    db.session.add(conversation)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        conversation = db.session.scalar(
            select(VipConversation).where(VipConversation.client_id == client.id)
        )
        if conversation is None:
            raise
    return conversation


def reachable_conversation(
    user: User, conversation_id: int | None, now: datetime
) -> tuple[VipConversation, Side]:
    """The conversation an event or request names (a client names none: theirs is implied)."""
    if conversation_id is None:
        if user.is_authenticated and user.is_vip:
            conversation = own_conversation(user)
        else:
            raise VipError(422, _("Say which conversation this is for."), field="conversation")
    else:
        conversation = conversation_by_id(conversation_id)
    return conversation, side_of(user, conversation, now)
