"""Who may read and write which VIP conversation: pure rules of a person and a conversation.

A VIP client reaches only their own conversation; a manager only the conversations of the
clients assigned to them; a backup manager only once a client has waited past the promise
of their tier. Everything else is refused with 404 (a conversation that is none of your
business does not exist for you) or 403 (the backup, who knows it exists, is told why).

Services call `side_of` before every read and write of a conversation; views, the
navigation and the socket namespace ask the same functions to choose what to show.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from community.accounts.models import Role
from community.errors import NotAllowed, NotFound
from vip.models import VipConversation


class Side(enum.StrEnum):
    """How a person takes part in a conversation."""

    CLIENT = "client"
    MANAGER = "manager"
    BACKUP = "backup"


def _signed_in(user: Any) -> bool:
    """Logged in and allowed to be; outside a request there is nobody (None)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_manager(user: Any) -> bool:
    return _signed_in(user) and user.has_role(Role.MANAGER)


def is_client(user: Any) -> bool:
    """A VIP client: logged in, with a tier."""
    return bool(getattr(user, "is_authenticated", False) and user.is_vip)


def is_club_member(user: Any) -> bool:
    """A VIP client or an account manager: the people the messaging namespace admits."""
    return _signed_in(user) and (user.is_vip or is_manager(user))


def require_client(user: Any) -> None:
    """Only VIP clients have a conversation of their own (403)."""
    if not is_client(user):
        raise NotAllowed(_("The VIP club is for VIP clients."))


def no_such_conversation() -> NotFound:
    return NotFound(_("There is no such conversation."))


def side_of(user: Any, conversation: VipConversation, now: datetime) -> Side:
    """The part `user` plays in `conversation`, or the refusal (NotFound, NotAllowed)."""
    if not user.is_authenticated or not user.is_active:
        raise no_such_conversation()
    if conversation.client_id == user.id:
        if not user.is_vip:
            raise NotAllowed(_("The VIP club is for VIP clients."))
        return Side.CLIENT
    if not is_manager(user):
        raise no_such_conversation()
    if conversation.manager_id == user.id:
        return Side.MANAGER
    if conversation.backup_manager_id == user.id:
        if conversation.backup_may_step_in(now):
            return Side.BACKUP
        raise NotAllowed(
            _(
                "You are this client's backup manager: you can read and answer once they "
                "have waited longer than their promised response time."
            )
        )
    raise no_such_conversation()


def readers(conversation: VipConversation, now: datetime) -> list[int]:
    """Everyone who may read the conversation now: client, manager, backup once stepped in."""
    people = [conversation.client_id]
    if conversation.manager_id is not None:
        people.append(conversation.manager_id)
    if conversation.backup_manager_id is not None and conversation.backup_may_step_in(now):
        people.append(conversation.backup_manager_id)
    return list(dict.fromkeys(people))
