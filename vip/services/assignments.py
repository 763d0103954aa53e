"""Admins make customers VIP clients and assign their account manager and backup.

The assignment lives on the client's conversation, so a new manager inherits the whole
history. The client and every newly assigned manager are told by email, in the same
transaction as the change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from community.accounts.models import Role, User, UserRole
from community.db import utcnow
from community.errors import InvalidInput, NotFound
from community.extensions import db
from community.numbers import bounded_int
from community.urls import external_url
from vip import policy
from vip.models import VipConversation
from vip.services import realtime
from vip.services.conversations import conversation_for_client
from vip.services.emails import email_person
from vip.tiers import promise_for, tier_named


def manager_candidates() -> list[User]:
    """Active people who hold the manager duty (admins hold every duty)."""
    statement = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role.in_([Role.MANAGER.value, Role.ADMIN.value]),
            User.is_active_account.is_(True),
        )
        .distinct()
        .order_by(User.display_name, User.id)
    )
    return list(db.session.scalars(statement))


@dataclass(frozen=True)
class ManagerLoad:
    manager: User
    clients: int
    backing_up: int


def manager_loads() -> list[ManagerLoad]:
    """Each manager with how many clients they look after, and back up, for the admin."""
    as_manager = _clients_per(VipConversation.manager_id)
    as_backup = _clients_per(VipConversation.backup_manager_id)
    managers = {manager.id: manager for manager in manager_candidates()}
    # Someone who lost the manager duty but still has clients must stay visible.
    missing = (set(as_manager) | set(as_backup)) - set(managers)
    if missing:
        for user in db.session.scalars(select(User).where(User.id.in_(missing))):
            managers[user.id] = user
    return [
        ManagerLoad(manager, as_manager.get(manager.id, 0), as_backup.get(manager.id, 0))
        for manager in sorted(managers.values(), key=lambda user: (user.display_name, user.id))
    ]


def _clients_per(column: InstrumentedAttribute[int | None]) -> dict[int, int]:
    """How many conversations name each person in `column` (manager, or backup)."""
    return dict(
        db.session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ).all()
    )


def vip_clients() -> list[tuple[User, VipConversation | None]]:
    """Every VIP client with their conversation (None before the first assignment)."""
    clients = list(
        db.session.scalars(
            select(User).where(User.vip_tier.is_not(None)).order_by(User.display_name, User.id)
        )
    )
    conversations = {
        conversation.client_id: conversation
        for conversation in db.session.scalars(
            select(VipConversation)
            .where(VipConversation.client_id.in_([client.id for client in clients]))
            .options(
                selectinload(VipConversation.manager), selectinload(VipConversation.backup_manager)
            )
        )
    }
    return [(client, conversations.get(client.id)) for client in clients]


def _check(client: User, tier: str | None, manager: User | None, backup: User | None) -> None:
    if tier is not None and tier_named(tier) is None:
        raise InvalidInput(_("Choose one of the tiers."), field="tier")
    if tier is None:
        return
    if manager is None:
        raise InvalidInput(_("Choose the account manager."), field="manager")
    for person, field in ((manager, "manager"), (backup, "backup")):
        if person is None:
            continue
        if not policy.is_manager(person):
            raise InvalidInput(_("Only an active account manager can be chosen."), field=field)
        if person.id == client.id:
            raise InvalidInput(_("A client cannot be their own manager."), field=field)
    if backup is not None and backup.id == manager.id:
        raise InvalidInput(_("The backup must be someone other than the manager."), field="backup")


def assign_client(
    client: User,
    *,
    tier: str | None,
    manager: User | None,
    backup: User | None,
    by: User | None,
    now: datetime | None = None,
) -> VipConversation:
    """Set a client's tier and managers; the conversation and its history stay with them.

    `tier=None` ends the membership: the managers are unassigned, the history is kept.
    """
    now = now or utcnow()
    _check(client, tier, manager, backup)
    conversation = conversation_for_client(client)
    old_manager_id, old_backup_id = conversation.manager_id, conversation.backup_manager_id
    if tier is None:
        manager = backup = None
    client.vip_tier = tier
    conversation.manager_id = manager.id if manager else None
    conversation.backup_manager_id = backup.id if backup else None
    changed = (conversation.manager_id, conversation.backup_manager_id) != (
        old_manager_id,
        old_backup_id,
    )
    if changed:
        conversation.assigned_at = now
        conversation.escalated_at = None  # a new team starts from a clean slate
    if conversation.waiting_since is not None and tier is not None:
        conversation.reply_due_at = conversation.waiting_since + promise_for(tier)

    event = secrets.token_hex(6)
    if manager is not None and manager.id != old_manager_id:
        _tell_client(client, manager, event, replaced=old_manager_id is not None)
        _tell_manager(manager, client, conversation, event, as_backup=False)
    if backup is not None and backup.id != old_backup_id:
        _tell_manager(backup, client, conversation, event, as_backup=True)
    if changed:
        people = {client.id, old_manager_id, old_backup_id, conversation.manager_id}
        people.add(conversation.backup_manager_id)
        realtime.push_assignment(conversation.id, [person for person in people if person])
    db.session.commit()
    return conversation


def _tell_client(client: User, manager: User, event: str, *, replaced: bool) -> None:
    email_person(
        client,
        template="vip_assigned_client",
        subject=_l("Your account manager is %(name)s", name=manager.display_name),
        context={
            "client": client,
            "manager": manager,
            "replaced": replaced,
            "promise": promise_for(client.vip_tier),
            "club_url": external_url("vip.index"),
        },
        dedupe_key=f"vip-assigned:{event}:{client.id}",
    )


def _tell_manager(
    manager: User, client: User, conversation: VipConversation, event: str, *, as_backup: bool
) -> None:
    subject = (
        _l("You are now the backup manager of %(name)s", name=client.display_name)
        if as_backup
        else _l("%(name)s is now your VIP client", name=client.display_name)
    )
    email_person(
        manager,
        template="vip_assigned_manager",
        subject=subject,
        context={
            "client": client,
            "manager": manager,
            "as_backup": as_backup,
            "promise": promise_for(client.vip_tier),
            "conversation_url": external_url(
                "manager.conversation", conversation_id=conversation.id
            ),
            "dashboard_url": external_url("manager.dashboard"),
        },
        dedupe_key=f"vip-assigned:{event}:{manager.id}",
    )


def find_customer(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise InvalidInput(_("No account uses this email address."), field="email")
    return user


def customer_by_id(user_id: int) -> User:
    """The account whose VIP membership the admin edits; 404 when there is none."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def chosen_person(value: str | None) -> User | None:
    """The account a manager or backup choice (a user id, or blank for nobody) names."""
    ident = bounded_int(value, field="manager", default=None)
    return db.session.get(User, ident) if ident is not None else None
