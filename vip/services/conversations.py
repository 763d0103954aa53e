"""Finding the conversation a request or an event is about, through the rules of `policy`.

Each client has exactly one conversation, created on first need. A client names none (theirs
is implied); staff name one by id, and `policy.side_of` decides whether they may reach it.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.accounts.models import User
from community.errors import InvalidInput
from community.extensions import db
from vip import policy
from vip.models import VipConversation
from vip.policy import Side


def conversation_by_id(conversation_id: int) -> VipConversation:
    conversation = db.session.get(VipConversation, conversation_id)
    if conversation is None:
        raise policy.no_such_conversation()
    return conversation


def own_conversation(client: User) -> VipConversation:
    """A VIP client's conversation, created on first need (each client has exactly one)."""
    policy.require_client(client)
    return conversation_for_client(client)


def existing_conversation(client: User) -> VipConversation | None:
    return db.session.scalar(select(VipConversation).where(VipConversation.client_id == client.id))


def conversation_for_client(client: User) -> VipConversation:
    """The client's one conversation; a race to create it ends with both callers on one row."""
    conversation = existing_conversation(client)
    if conversation is not None:
        return conversation
    conversation = VipConversation(client_id=client.id)
    db.session.add(conversation)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        conversation = existing_conversation(client)
        if conversation is None:
            raise
    return conversation


def reachable_conversation(
    user: User, conversation_id: int | None, now: datetime
) -> tuple[VipConversation, Side]:
    """The conversation an event or request names (a client names none: theirs is implied)."""
    if conversation_id is None:
        if not policy.is_client(user):
            raise InvalidInput(_("Say which conversation this is for."), field="conversation")
        conversation = own_conversation(user)
    else:
        conversation = conversation_by_id(conversation_id)
    return conversation, policy.side_of(user, conversation, now)
