"""What support asks the VIP club: is this customer a VIP, who is their manager, what is
their tier's promise. Through the club's services, never its views or tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from vip.services.conversations import existing_conversation
from vip.tiers import promise_for


@dataclass(frozen=True)
class VipClient:
    tier: str
    manager_id: int | None
    promise: timedelta


def vip_of(user: Any) -> VipClient | None:
    """The VIP standing of a requester; None for everyone else (and for no account)."""
    if user is None or not getattr(user, "is_vip", False):
        return None
    conversation = existing_conversation(user)
    manager_id = conversation.manager_id if conversation is not None else None
    return VipClient(user.vip_tier, manager_id, promise_for(user.vip_tier))
