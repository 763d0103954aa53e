"""Response times and the manager's dashboard, computed from the messages themselves.

Each staff message that ended a client's wait stores how long that wait was
(`reply_seconds`, from the client's first unanswered message to the reply), so the
typical response time is the median of those over the last 30 days, by their author.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.db import utcnow
from community.extensions import db
from vip.models import VipConversation, VipMessage
from vip.services.messages import unread_by_conversation
from vip.tiers import Tier, promise_for, tier_named

TYPICAL_WINDOW = timedelta(days=30)


def typical_response_seconds(manager_id: int, now: datetime | None = None) -> float | None:
    """The median time `manager_id` took to first answer a waiting client, last 30 days."""
    now = now or utcnow()
    samples = list(
        db.session.scalars(
            select(VipMessage.reply_seconds).where(
                VipMessage.author_id == manager_id,
                VipMessage.created_at >= now - TYPICAL_WINDOW,
                VipMessage.created_at <= now,
                VipMessage.reply_seconds.is_not(None),
            )
        )
    )
    return float(statistics.median(samples)) if samples else None


@dataclass(frozen=True)
class ClientRow:
    conversation: VipConversation
    client: User
    tier: Tier | None
    promise: timedelta
    waiting: timedelta | None
    overdue_by: timedelta | None
    unread: int

    @property
    def overdue(self) -> bool:
        return self.overdue_by is not None


@dataclass
class Dashboard:
    clients: list[ClientRow] = field(default_factory=list)
    escalated: list[ClientRow] = field(default_factory=list)
    typical_seconds: float | None = None

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.clients if row.overdue)


def _sort_key(row: ClientRow) -> tuple[int, float, float]:
    """Longest wait first; then the clients nobody waits on, most recent first."""
    if row.waiting is not None:
        return (0, -row.waiting.total_seconds(), 0.0)
    last = row.conversation.last_message_at
    return (1, 0.0, -(last.timestamp() if last else 0.0))


def dashboard(manager: User, now: datetime | None = None) -> Dashboard:
    """The manager's clients by how long each has waited, and the ones they back up."""
    now = now or utcnow()
    conversations = list(
        db.session.scalars(
            select(VipConversation)
            .where(
                or_(
                    VipConversation.manager_id == manager.id,
                    VipConversation.backup_manager_id == manager.id,
                )
            )
            .options(selectinload(VipConversation.client).lazyload(User.role_rows))
        )
    )
    unread = unread_by_conversation([conversation.id for conversation in conversations])
    board = Dashboard(typical_seconds=typical_response_seconds(manager.id, now))
    for conversation in conversations:
        is_own = conversation.manager_id == manager.id
        if not is_own and not conversation.backup_may_step_in(now):
            continue  # a backup sees a client only once the promise has passed
        waiting = now - conversation.waiting_since if conversation.waiting_since else None
        overdue_by = now - conversation.reply_due_at if conversation.is_overdue(now) else None
        row = ClientRow(
            conversation=conversation,
            client=conversation.client,
            tier=tier_named(conversation.client.vip_tier),
            promise=promise_for(conversation.client.vip_tier),
            waiting=waiting,
            overdue_by=overdue_by,
            unread=unread.get(conversation.id, 0),
        )
        (board.clients if is_own else board.escalated).append(row)
    board.clients.sort(key=_sort_key)
    board.escalated.sort(key=_sort_key)
    return board


def reply_seconds_by_tier(since: datetime, until: datetime) -> dict[str, list[float]]:
    """Every wait a reply ended between `since` and `until`, by the client's tier now.

    The public service page sets each tier's promise beside the median of these.
    """
    rows = db.session.execute(
        select(User.vip_tier, VipMessage.reply_seconds)
        .join(VipConversation, VipConversation.id == VipMessage.conversation_id)
        .join(User, User.id == VipConversation.client_id)
        .where(
            VipMessage.created_at >= since,
            VipMessage.created_at <= until,
            VipMessage.reply_seconds.is_not(None),
            User.vip_tier.is_not(None),
        )
    ).all()
    waits: dict[str, list[float]] = {}
    for tier, seconds in rows:
        waits.setdefault(tier, []).append(float(seconds))
    return waits
