"""What the agents' pages show, each assembled in a fixed handful of queries.

The inbox is one page of a view, the counts beside the views, and the lists its filters
offer. A request page is the conversation (messages with their files in one query), its
history (events with their actors' names in another), the people and departments it can be
given to, the customer's other requests, their orders and shipments, canned replies and the
promise. Nothing here loads rows one by one: the number of statements stays the same at a
hundred requests or a million, which `tests/support/test_inbox.py` and
`test_staff_views.py` hold it to. Reads only; every change goes through `working`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from community.accounts.models import Role, User, UserRole
from community.db import utcnow
from community.errors import NotFound
from community.extensions import db
from community.numbers import MAX_ID
from community.uploads import Download, download_of
from support.models import (
    AgentMembership,
    CannedReply,
    Department,
    RequestEvent,
    SupportAttachment,
    SupportMessage,
    SupportRequest,
)
from support.services import canned, directory, inbox, kb_drafts, search
from support.services.conversation import ATTACHMENT_FOLDER
from support.services.inbox import Filters, InboxPage, View
from tracking.services import own_orders
from vip.tiers import tier_named

MESSAGE_LIMIT = 200  # a request page shows this many of the newest messages
EVENT_LIMIT = 200
FRAGMENT_LIMIT = 100
ORDER_LIMIT = 5
AGENT_ROLES = (Role.AGENT, Role.LEAD, Role.ADMIN)


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class InboxScreen:
    page: InboxPage
    counts: dict[View, int]
    departments: list[Department]
    agents: list[Person]
    filters: Filters
    query: str


@dataclass(frozen=True)
class HistoryItem:
    """One event of the request's history, with the names it mentions resolved."""

    id: int
    kind: str
    at: datetime
    actor: str | None
    detail: dict[str, Any]
    actor_id: int | None = None


@dataclass(frozen=True)
class Entry:
    """A line of the conversation: a message or an event, in the order they happened."""

    at: datetime
    message: SupportMessage | None = None
    event: HistoryItem | None = None


@dataclass
class Timeline:
    entries: list[Entry]
    last_message_id: int
    last_event_id: int
    earlier: bool = False  # older messages exist than those shown
    names: dict[int, str] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkPage:
    request: SupportRequest
    timeline: Timeline
    agents: list[Person]
    departments: list[Department]
    department_names: dict[int, str]
    assignee_name: str | None
    others: list[SupportRequest]
    orders: list[Any]
    canned: list[CannedReply]
    promise: tuple[int, int]
    tier_label: Any
    may_draft: bool
    drafts: dict[int, int]
    now: datetime
    warn_before: timedelta


# The inbox ----------------------------------------------------------------------------------
def search_numbers(query: str) -> tuple[str, ...]:
    """The request numbers a search finds (agents only); a typed number always counts."""
    found = list(search.find_numbers(query))
    typed = query.strip().lstrip("#")
    if typed.isascii() and typed.isdigit() and len(typed) <= 20 and typed not in found:
        found.insert(0, typed)
    return tuple(found)


def departments_of(user: Any) -> list[Department]:
    """The departments whose requests the user works (all of them for an admin)."""
    statement = select(Department).order_by(Department.position, Department.id)
    if not user.is_admin:
        mine = select(AgentMembership.department_id).where(AgentMembership.user_id == user.id)
        statement = statement.where(Department.id.in_(mine))
    return list(db.session.scalars(statement))


def _agents(department_ids: Any) -> list[Person]:
    """Active agents (and leads, admins) who belong to any of these departments, by name."""
    with_role = select(UserRole.user_id).where(
        UserRole.role.in_([role.value for role in AGENT_ROLES])
    )
    rows = db.session.execute(
        select(User.id, User.display_name)
        .join(AgentMembership, AgentMembership.user_id == User.id)
        .where(
            AgentMembership.department_id.in_(department_ids),
            User.is_active_account.is_(True),
            User.id.in_(with_role),
        )
        .distinct()
        .order_by(User.display_name, User.id)
    )
    return [Person(row.id, row.display_name) for row in rows]


def inbox_screen(user: Any, view: View, filters: Filters, query: str, page: int) -> InboxScreen:
    """One page of a view with its counts, filters and search."""
    if query:
        filters = replace(filters, numbers=search_numbers(query))
    departments = departments_of(user)
    return InboxScreen(
        page=inbox.inbox_page(user, view, filters, page),
        counts=inbox.view_counts(user),
        departments=departments,
        agents=_agents([department.id for department in departments]),
        filters=filters,
        query=query,
    )


def counts(user: Any) -> dict[str, int]:
    """The views' counts and the navigation badge, for the live refresh."""
    numbers = {view.value: count for view, count in inbox.view_counts(user).items()}
    return {**numbers, "badge": inbox.badge_count(user)}


# A request ----------------------------------------------------------------------------------
def _messages(request: SupportRequest, after: int, limit: int) -> list[SupportMessage]:
    """The newest `limit` messages after id `after`, oldest first, with their files."""
    rows = db.session.scalars(
        select(SupportMessage)
        .where(SupportMessage.request_id == request.id, SupportMessage.id > after)
        .options(joinedload(SupportMessage.attachments))
        .order_by(SupportMessage.id.desc())
        .limit(limit)
    ).unique()
    return sorted(rows, key=lambda message: message.id)


def _events(request: SupportRequest, after: int, limit: int) -> list[HistoryItem]:
    rows = db.session.execute(
        select(RequestEvent, User.display_name)
        .outerjoin(User, User.id == RequestEvent.actor_id)
        .where(
            RequestEvent.request_id == request.id,
            RequestEvent.id > after,
            RequestEvent.kind != "created",
        )
        .order_by(RequestEvent.id.desc())
        .limit(limit)
    )
    items = [
        HistoryItem(
            event.id, event.kind, event.created_at, name, dict(event.detail or {}), event.actor_id
        )
        for event, name in rows
    ]
    return sorted(items, key=lambda item: item.id)


def _names(events: list[HistoryItem], known: dict[int, str]) -> dict[int, str]:
    """Display names of the people events mention (assigned to / from), in one query."""
    wanted = {
        value
        for item in events
        if item.kind == "assigned"
        for value in (item.detail.get("to"), item.detail.get("from"))
        if isinstance(value, int) and value not in known and 0 < value <= MAX_ID
    }
    names = dict(known)
    if wanted:
        rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
        names.update({person.id: person.display_name for person in rows})
    return names


def department_names(departments: list[Department]) -> dict[int, str]:
    locale = str(get_locale() or "en")
    return {department.id: department.label(locale) for department in departments}


def timeline(
    request: SupportRequest,
    *,
    after_message: int = 0,
    after_event: int = 0,
    limit: int = MESSAGE_LIMIT,
    known: dict[int, str] | None = None,
    departments: dict[int, str] | None = None,
) -> Timeline:
    """Messages (internal notes included: staff only) and events, in the order they happened."""
    messages = _messages(request, after_message, limit)
    events = _events(request, after_event, EVENT_LIMIT if limit == MESSAGE_LIMIT else limit)
    if messages and len(messages) == limit:
        events = [item for item in events if item.at >= messages[0].created_at]
    entries = [Entry(message.created_at, message=message) for message in messages]
    entries += [Entry(item.at, event=item) for item in events]
    entries.sort(key=lambda entry: (entry.at, entry.event is not None))
    if departments is None and any(item.kind == "moved" for item in events):
        departments = department_names(directory.departments())
    return Timeline(
        entries=entries,
        last_message_id=max([after_message, *(message.id for message in messages)]),
        last_event_id=max([after_event, *(item.id for item in events)]),
        earlier=len(messages) == limit and after_message == 0,
        names=_names(events, known or {}),
        departments=departments or {},
    )


def _orders(request: SupportRequest) -> list[Any]:
    """The requester's newest orders with their shipments (none for mail without an account)."""
    if request.requester_id is None:
        return []
    requester = db.session.get(User, request.requester_id, options=[lazyload(User.role_rows)])
    if requester is None:
        return []
    return list(own_orders(requester, page=1).items[:ORDER_LIMIT])


def work_page(request: SupportRequest, user: Any, now: datetime | None = None) -> WorkPage:
    """Everything the staff page of one request shows (the caller checked `access.for_staff`)."""
    departments = directory.departments()
    names_of_departments = department_names(departments)
    agents = _agents([request.department_id])
    known = {person.id: person.name for person in agents}
    assignee_name = None
    if request.assignee_id is not None:
        assignee = request.assignee if request.assignee_id not in known else None
        assignee_name = known.get(request.assignee_id) or (
            assignee.display_name if assignee else None
        )
    drafts = kb_drafts.existing_drafts(request) if kb_drafts.may_make_draft(user) else {}
    return WorkPage(
        request=request,
        timeline=timeline(request, known=known, departments=names_of_departments),
        agents=agents,
        departments=departments,
        department_names=names_of_departments,
        assignee_name=assignee_name,
        others=inbox.other_requests(request),
        orders=_orders(request),
        canned=canned.replies_for(request),
        promise=directory.promise(request.department_id, request.priority),
        tier_label=tier.label if (tier := tier_named(request.vip_tier)) else request.vip_tier,
        may_draft=kb_drafts.may_make_draft(user),
        drafts=drafts,
        now=now or utcnow(),
        warn_before=timedelta(minutes=int(current_app.config["SUPPORT_WARN_MINUTES"])),
    )


def new_entries(request: SupportRequest, after_message: int, after_event: int) -> Timeline:
    """What happened after the ids a page already shows, for its live refresh."""
    return timeline(
        request,
        after_message=min(max(after_message, 0), MAX_ID),
        after_event=min(max(after_event, 0), MAX_ID),
        limit=FRAGMENT_LIMIT,
    )


def staff_attachment(request: SupportRequest, attachment_id: int) -> Download:
    """A file of one of the request's messages (notes included), else 404."""
    row = db.session.get(SupportAttachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    if row is None or row.request_id != request.id:
        raise NotFound()
    found = download_of(
        ATTACHMENT_FOLDER, row.stored_name, row.filename, row.content_type, row.size
    )
    if found is None:
        raise NotFound()
    return found
