"""The VIP club's services: every write, commit, email and real-time push lives here.

Split by subject: `conversations` (finding the conversation a request names, through
`vip.policy`), `messages`, `assignments`, `stats` (response times, the dashboard), `cards`
(manager cards, announcements), `sweep` (offline email and backup alerts), `throttle` (the
per-person rate limits), `emails` and `realtime` (the pushes, queued before each commit).
"""

from __future__ import annotations

from vip.services.assignments import (
    ManagerLoad,
    assign_client,
    chosen_person,
    customer_by_id,
    find_customer,
    manager_candidates,
    manager_loads,
    vip_clients,
)
from vip.services.cards import (
    ManagerCard,
    announcement_or_404,
    create_announcement,
    delete_announcement,
    manager_card,
    profile_for,
    recent_announcements,
    update_announcement,
    update_profile,
)
from vip.services.conversations import (
    conversation_by_id,
    conversation_for_client,
    existing_conversation,
    own_conversation,
    reachable_conversation,
)
from vip.services.messages import (
    HistoryPage,
    PostedMessage,
    clean_body,
    history,
    mark_read,
    notify_typing,
    post_message,
    unread_by_conversation,
    unread_count,
    unread_count_query,
)
from vip.services.realtime import NAMESPACE, message_payload, user_room
from vip.services.stats import Dashboard, dashboard, typical_response_seconds
from vip.services.sweep import UNREAD_LIST, SweepReport, health, sweep

__all__ = [
    "NAMESPACE",
    "UNREAD_LIST",
    "Dashboard",
    "HistoryPage",
    "ManagerCard",
    "ManagerLoad",
    "PostedMessage",
    "SweepReport",
    "announcement_or_404",
    "assign_client",
    "chosen_person",
    "clean_body",
    "conversation_by_id",
    "conversation_for_client",
    "create_announcement",
    "customer_by_id",
    "dashboard",
    "delete_announcement",
    "existing_conversation",
    "find_customer",
    "health",
    "history",
    "manager_candidates",
    "manager_card",
    "manager_loads",
    "mark_read",
    "message_payload",
    "notify_typing",
    "own_conversation",
    "post_message",
    "profile_for",
    "reachable_conversation",
    "recent_announcements",
    "sweep",
    "typical_response_seconds",
    "unread_by_conversation",
    "unread_count",
    "unread_count_query",
    "update_announcement",
    "update_profile",
    "user_room",
    "vip_clients",
]
